import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../src/config/interpolate.js';

describe('interpolate', () => {
  const env = { HOST: 'db.internal', PORT: '5432', EMPTY: '' };

  it.each([
    ['plain text', 'plain text'],
    ['${HOST}', 'db.internal'],
    ['${HOST}:${PORT}', 'db.internal:5432'],
    ['${ MISSING:-fallback }', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING-fallback}', 'fallback'],
    ['${MISSING:-a:b-c}', 'a:b-c'],
    ['$${HOST}', '${HOST}'],
    ['cost: $5', 'cost: $5'],
    ['pa$$word', 'pa$$word'],
  ])('%s → %s', (text, value) => {
    const result = interpolate(text, env);
    expect(result.value).toBe(value);
    expect(result.missing).toEqual([]);
    expect(result.malformed).toEqual([]);
  });

  it('reports variables that are not set and have no default', () => {
    expect(interpolate('${A}/${HOST}/${B}', env)).toEqual({
      value: '${A}/db.internal/${B}',
      replaced: true,
      missing: ['A', 'B'],
      malformed: [],
    });
  });

  it('reports malformed references', () => {
    expect(interpolate('${}', env).malformed).toEqual(['${}']);
    expect(interpolate('${9LIVES}', env).malformed).toEqual(['${9LIVES}']);
    expect(interpolate('x ${HOST', env).malformed).toEqual(['${HOST']);
  });
});
