import type { z } from 'zod';
import type { KeyMeaning, SectionMeanings } from './types.js';

/**
 * Renders the configuration reference from the zod schema: one table per top-level section, one
 * row per key with its type and default read from the schema and its meaning from
 * `meanings.ts`. A key documented there as a whole (`policies[].when`) is one row; otherwise
 * objects, lists of objects and records of objects are walked down to their leaves.
 */

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
  readonly checks?: readonly {
    readonly _zod: { readonly def: { readonly check?: string; readonly format?: string } };
  }[];
  readonly defaultValue?: unknown;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'];

/** The schema under wrappers, and the default one of them gives (`undefined` when none does). */
function unwrap(schema: z.ZodType): {
  readonly inner: z.ZodType;
  readonly fallback: { readonly value: unknown } | undefined;
  readonly required: boolean;
} {
  let current = schema;
  let fallback: { value: unknown } | undefined;
  let required = true;
  for (let def = defOf(current); ; def = defOf(current)) {
    if ((def.type === 'default' || def.type === 'prefault') && fallback === undefined)
      fallback = { value: def.defaultValue };
    if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault') required = false;
    if (def.innerType && WRAPPERS.includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return { inner: current, fallback, required };
  }
}

/** The default column as the schema says it: its default, `required`, or `—` (unset). */
function schemaDefault(schema: z.ZodType): string {
  const { fallback, required } = unwrap(schema);
  if (fallback) return formatDefault(fallback.value);
  return required ? 'required' : '—';
}

/** A reader's name for what a key accepts: `integer`, `redis \| memcached`, `list of string`. */
export function typeName(schema: z.ZodType): string {
  const { inner } = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case 'number':
      return def.checks?.some((check) => check._zod.def.format === 'safeint') ? 'integer' : 'number';
    case 'string':
    case 'boolean':
      return def.type;
    case 'enum':
      return Object.values(def.entries ?? {})
        .map(String)
        .join(' \\| ');
    case 'literal':
      return (def.values ?? []).map(String).join(' \\| ');
    case 'array':
      return def.element ? `list of ${typeName(def.element)}` : 'list';
    case 'record':
      return def.valueType ? `map of ${typeName(def.valueType)}` : 'map';
    case 'object':
      return 'mapping';
    case 'union': {
      const names = [...new Set((def.options ?? []).map(typeName))];
      return names.join(' or ');
    }
    default:
      return def.type;
  }
}

/** A default as written in YAML: `5`, `memory`, `""`, `[cache, logs, uploads]`. */
export function formatDefault(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value === '' ? '`""`' : `\`${value}\``;
  if (Array.isArray(value))
    return `\`[${value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ')}]\``;
  if (value !== null && typeof value === 'object')
    return Object.keys(value).length === 0 ? '`{}`' : `\`${JSON.stringify(value)}\``;
  return `\`${String(value)}\``;
}

/** One row of a section's table. */
export interface ReferenceRow {
  /** Relative to the section, with `<name>` for record keys: `rate_limit.<name>.min_time`. */
  readonly path: string;
  readonly type: string;
  readonly default: string;
  readonly meaning: string | undefined;
}

const normalize = (path: string): string => path.replace(/<[a-z_]+>/g, '<name>');

/** The rows of one section, in the schema's order. */
export function sectionRows(section: z.ZodType, meanings: SectionMeanings | undefined): ReferenceRow[] {
  const byPath = new Map<string, [string, KeyMeaning]>(
    Object.entries(meanings?.keys ?? {}).map(([key, meaning]) => [normalize(key), [key, meaning]]),
  );
  const rows: ReferenceRow[] = [];
  const walk = (schema: z.ZodType, path: string): void => {
    const documented = byPath.get(path);
    const { inner } = unwrap(schema);
    const def = defOf(inner);
    if (path !== '' && documented) {
      const [key, meaning] = documented;
      rows.push({
        path: key,
        type: typeName(schema),
        default: meaning.default ?? schemaDefault(schema),
        meaning: meaning.meaning,
      });
      return;
    }
    const child = (key: string): string => (path === '' ? key : `${path}.${key}`);
    if (def.type === 'object' && def.shape) {
      for (const [key, value] of Object.entries(def.shape)) walk(value, child(key));
      return;
    }
    if (def.type === 'array' && def.element && defOf(unwrap(def.element).inner).type === 'object') {
      walk(def.element, `${path}[]`);
      return;
    }
    if (
      def.type === 'record' &&
      def.valueType &&
      ['object', 'record'].includes(defOf(unwrap(def.valueType).inner).type)
    ) {
      walk(def.valueType, child('<name>'));
      return;
    }
    rows.push({ path, type: typeName(schema), default: schemaDefault(schema), meaning: undefined });
  };
  walk(section, '');
  return rows;
}

/** What is wrong with the meanings against the schema: keys without a meaning, meanings without a key. */
export function checkMeanings(
  schema: z.ZodObject,
  meanings: Readonly<Record<string, SectionMeanings>>,
): { readonly undocumented: string[]; readonly unknown: string[] } {
  const undocumented: string[] = [];
  const used = new Set<string>();
  for (const [name, section] of Object.entries(schema.shape)) {
    if (!meanings[name]) undocumented.push(`${name} (the whole section)`);
    for (const row of sectionRows(section as z.ZodType, meanings[name])) {
      if (row.meaning === undefined) undocumented.push(`${name}.${row.path}`);
      else used.add(`${name}.${normalize(row.path)}`);
    }
  }
  const unknown = Object.entries(meanings).flatMap(([name, section]) =>
    Object.keys(section.keys)
      .map((key) => `${name}.${normalize(key)}`)
      .filter((path) => !used.has(path)),
  );
  return { undocumented, unknown };
}

const cell = (text: string): string => text.replace(/\n/g, ' ');

/** The whole reference: a heading, intro and table per section. */
export function renderReference(schema: z.ZodObject, meanings: Readonly<Record<string, SectionMeanings>>): string {
  const out: string[] = [];
  for (const [name, section] of Object.entries(schema.shape)) {
    const doc = meanings[name];
    out.push(`### \`${name}\``, '');
    if (doc) out.push(doc.intro, '');
    out.push('| key | type | default | meaning |', '|---|---|---|---|');
    for (const row of sectionRows(section as z.ZodType, doc)) {
      out.push(
        `| \`${row.path}\` | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.meaning ?? '**undocumented**')} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

export const BEGIN = '<!-- generated:reference (npm run docs:config; edit scripts/config-reference/meanings.ts) -->';
export const END = '<!-- /generated:reference -->';

/** `page` with the text between the markers replaced by `reference`. */
export function replaceReference(page: string, reference: string): string {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(`docs/configuration.md has no ${BEGIN} ... ${END} block; put the markers where the reference goes`);
  return `${page.slice(0, start + BEGIN.length)}\n\n${reference}\n${page.slice(end)}`;
}
