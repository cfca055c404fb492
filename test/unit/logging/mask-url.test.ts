import { describe, expect, it } from 'vitest';
import { maskUrlCredentials, REDACTED } from '../../../src/logging/redact.js';

describe('maskUrlCredentials (linear, one pass)', () => {
  const cases: [string, string][] = [
    ['postgres://user:pw@host/db', `postgres://user:${REDACTED}@host/db`],
    ['a redis://:secret@h:6379 and mysql://u:p@x', `a redis://:${REDACTED}@h:6379 and mysql://u:${REDACTED}@x`],
    ['http://host/path?x=a:b@c', 'http://host/path?x=a:b@c'],
    ['no credentials http://u@host', 'no credentials http://u@host'],
    [':// :// ://', ':// :// ://'],
    ['x://a:b', 'x://a:b'],
    ['', ''],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(maskUrlCredentials(input)).toBe(expected);
  });
  it('handles a 64k input of repeated schemes without @ and masks a credential after it', () => {
    const long = `${'a://'.repeat(16_000)}pg://u:pw@h`;
    expect(maskUrlCredentials(long).endsWith(`pg://u:${REDACTED}@h`)).toBe(true);
  });
});
