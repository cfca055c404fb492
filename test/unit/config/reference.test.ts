import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { configSchema } from '../../../src/config/schema.js';

// The README's configuration reference must name every key of the schema. When this fails after
// a section gained a key, add a row for it to the section's table in README.md.

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every leaf key path: `cache.cluster.nodes[].host`, `supervisor.resources.<name>.timeout`. */
function leafPaths(schema: z.ZodType, prefix = ''): string[] {
  let current = schema;
  for (let def = defOf(current); ; def = defOf(current)) {
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else break;
  }
  const def = defOf(current);
  if (def.type === 'object' && def.shape) return Object.entries(def.shape).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
  if (def.type === 'array' && def.element && defOf(def.element).type === 'object') return leafPaths(def.element, `${prefix}[]`);
  if (def.type === 'record' && def.valueType && ['object', 'record'].includes(defOf(def.valueType).type)) return leafPaths(def.valueType, `${prefix}.<name>`);
  return [prefix];
}

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
const section = /<!-- section:configuration -->([\s\S]*?)<!-- \/section:configuration -->/.exec(readme)?.[1] ?? '';
const normalize = (text: string): string => text.replace(/<[a-z]+>/g, '<name>');

/** The text of the reference table of one section (`**\`cache\`**` up to the next one). */
function tableOf(name: string): string {
  const start = section.indexOf(`**\`${name}\`**`);
  if (start < 0) return '';
  const next = section.indexOf('**`', start + 4);
  return normalize(section.slice(start, next < 0 ? undefined : next));
}
const resourceTable = normalize(section.slice(section.indexOf('**Every resource section**'), section.indexOf('**`cache`**')));

describe('README configuration reference', () => {
  const paths = leafPaths(configSchema);

  it('has a section for every top-level key', () => {
    const missing = Object.keys(configSchema.shape).filter((name) => tableOf(name) === '');
    expect(missing).toEqual([]);
  });

  it('names every key of every section', () => {
    expect(paths.length).toBeGreaterThan(150);
    const missing = paths.filter((path) => {
      const [name = '', ...rest] = path.split('.');
      const relative = normalize(rest.join('.'));
      const table = ['optional', 'depends_on'].includes(relative) && ['cache', 'database', 'filesystem'].includes(name) ? resourceTable : tableOf(name);
      // A key is documented by its own row, or by a documented parent below the section level
      // (`policies[].when` covers `policies[].when.time.from`).
      const candidates = relative.split('.').map((_, i, parts) => parts.slice(0, parts.length - i).join('.'));
      return !candidates.some((key, i) => (i === 0 || /[.[]/.test(key)) && table.includes(`\`${key}\``));
    });
    expect(missing).toEqual([]);
  });
});
