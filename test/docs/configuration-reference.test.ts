import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { meanings } from '../../scripts/config-reference/meanings.js';
import {
  checkMeanings,
  renderReference,
  replaceReference,
  sectionRows,
} from '../../scripts/config-reference/render.js';
import { z } from 'zod';

// docs/configuration.md carries a reference generated from the zod schema. When this fails after a
// section gained a key: add its meaning to scripts/config-reference/meanings.ts, then run
// `npm run docs:config` and commit the page.

const pagePath = resolve(import.meta.dirname, '../../docs/configuration.md');

describe('configuration reference (docs/configuration.md)', () => {
  it('has a meaning for every key of the schema, and no meaning for a key it does not have', () => {
    const { undocumented, unknown } = checkMeanings(configSchema, meanings);
    expect(undocumented).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it('is the reference the schema generates today (run `npm run docs:config` when this fails)', () => {
    const page = readFileSync(pagePath, 'utf8');
    expect(page).toBe(replaceReference(page, renderReference(configSchema, meanings)));
  });

  it('covers every top-level section, down to the keys of lists and records', () => {
    const page = readFileSync(pagePath, 'utf8');
    for (const name of Object.keys(configSchema.shape)) expect(page).toContain(`### \`${name}\``);
    expect(page).toContain('| `cluster.nodes[].host` |');
    expect(page).toContain('| `rate_limit.<name>.max_concurrent` |');
    expect(page).toContain('| `principals.<id>.password_hash` |');
  });

  it('reads types, defaults and required keys from the schema, and flags a key without a meaning', () => {
    const section = z.strictObject({
      driver: z.enum(['a', 'b']).default('a'),
      port: z.number().int().optional(),
      dirs: z.array(z.string()).default(['x', 'y']),
      nodes: z.array(z.strictObject({ host: z.string() })).optional(),
    });
    const rows = sectionRows(section, {
      intro: '',
      keys: { driver: { meaning: 'which' }, port: { meaning: 'where', default: '1 / 2' } },
    });
    expect(rows).toEqual([
      { path: 'driver', type: 'a \\| b', default: '`a`', meaning: 'which' },
      { path: 'port', type: 'integer', default: '1 / 2', meaning: 'where' },
      { path: 'dirs', type: 'list of string', default: '`[x, y]`', meaning: undefined },
      { path: 'nodes[].host', type: 'string', default: 'required', meaning: undefined },
    ]);
    const stale = checkMeanings(z.strictObject({ s: section }), {
      s: { intro: '', keys: { driver: { meaning: 'm' }, gone: { meaning: 'm' } } },
    });
    expect(stale.undocumented).toEqual(['s.port', 's.dirs', 's.nodes[].host']);
    expect(stale.unknown).toEqual(['s.gone']);
  });
});
