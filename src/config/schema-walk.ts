import type { z } from 'zod';

/** One step of a configuration path: a key of a mapping or an index of a list. */
export type PathSegment = string | number;

/** What kind of scalar a schema accepts at a path, as far as loading YAML cares. */
export type ScalarKind = 'number' | 'boolean' | 'string' | 'other';

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Strips wrappers that do not change the shape (`optional`, `default`, `prefault`, `pipe` input, ...). */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 32; i++) {
    const def = defOf(current);
    if (
      def.innerType &&
      ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)
    ) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
  return current;
}

/** The schemas that may apply at `path` (several under a union), or none for an unknown path. */
export function schemasAt(root: z.ZodType, path: readonly PathSegment[]): z.ZodType[] {
  let current = [unwrap(root)];
  for (const segment of path) {
    const next: z.ZodType[] = [];
    for (const schema of current) {
      for (const option of expandUnion(schema)) {
        const def = defOf(option);
        if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment])
          next.push(unwrap(def.shape[segment]));
        if (def.type === 'array' && typeof segment === 'number' && def.element) next.push(unwrap(def.element));
        if (def.type === 'record' && typeof segment === 'string' && def.valueType) next.push(unwrap(def.valueType));
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current.flatMap(expandUnion);
}

function expandUnion(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  return def.type === 'union' && def.options ? def.options.map(unwrap).flatMap(expandUnion) : [schema];
}

/** The scalar kinds accepted at `path`. */
export function scalarKindsAt(root: z.ZodType, path: readonly PathSegment[]): Set<ScalarKind> {
  const kinds = new Set<ScalarKind>();
  for (const schema of schemasAt(root, path)) {
    const type = defOf(schema).type;
    kinds.add(
      type === 'number' || type === 'int'
        ? 'number'
        : type === 'boolean'
          ? 'boolean'
          : type === 'string' || type === 'enum'
            ? 'string'
            : 'other',
    );
  }
  return kinds;
}

/** The keys a mapping at `path` may have (empty when `path` is not a mapping). */
export function keysAt(root: z.ZodType, path: readonly PathSegment[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(root, path)) {
    const def = defOf(schema);
    if (def.type === 'object' && def.shape) for (const key of Object.keys(def.shape)) keys.add(key);
  }
  return [...keys];
}

/**
 * Every path at which `key` is a valid key (list items written as `[]`), to point a key written in
 * the wrong section to the right one.
 */
export function pathsOfKey(root: z.ZodType, key: string): string[] {
  const found: string[] = [];
  const visit = (schema: z.ZodType, prefix: string, depth: number): void => {
    if (depth > 8) return;
    for (const option of expandUnion(unwrap(schema))) {
      const def = defOf(option);
      if (def.type === 'object' && def.shape) {
        for (const [name, child] of Object.entries(def.shape)) {
          const path = prefix ? `${prefix}.${name}` : name;
          if (name === key) found.push(path);
          visit(child, path, depth + 1);
        }
      } else if (def.type === 'array' && def.element) {
        visit(def.element, `${prefix}[]`, depth + 1);
      } else if (def.type === 'record' && def.valueType) {
        visit(def.valueType, `${prefix}.<name>`, depth + 1);
      }
    }
  };
  visit(root, '', 0);
  return found;
}
