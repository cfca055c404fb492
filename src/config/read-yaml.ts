import { isPair, isScalar, isSeq, parseDocument, visit, type Scalar } from 'yaml';
import type { z } from 'zod';
import type { ConfigProblem } from '../errors/config-invalid-error.js';
import { formatPath } from './config-path.js';
import { interpolate, type Environment } from './interpolate.js';
import { scalarKindsAt, type PathSegment } from './schema-walk.js';

/** What {@link readYamlConfig} found. */
export interface YamlConfig {
  /** The document as plain data, environment references replaced. */
  readonly data: unknown;
  readonly problems: readonly ConfigProblem[];
  /** Dotted paths whose value could not be interpolated (already reported; skip their schema issues). */
  readonly unresolved: ReadonlySet<string>;
}

const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;
const LEADING_ZERO = /^[-+]?0\d+$/;

/**
 * Parses a YAML configuration and prepares its scalars for the schema:
 * - `${NAME}` / `${NAME:-default}` are replaced in every string value; where the schema expects
 *   a number (or a boolean) and the result reads as one, it becomes one, so
 *   `port: ${DB_PORT:-5432}` works. Strings written as such elsewhere stay strings.
 * - a number written with a leading zero (`permissions: 0755`) reaches a schema that also
 *   accepts strings (file modes) as its source text, so it is read as octal, as the seed means.
 *   (YAML 1.2 alone would read 755 decimal.)
 * - syntax errors become problems with line and column.
 */
export function readYamlConfig(text: string, env: Environment, schema: z.ZodType): YamlConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    return {
      data: undefined,
      unresolved: new Set(),
      problems: doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        const what = error.message.split(/ at line \d+/)[0] ?? error.message;
        return pos
          ? {
              path: '',
              line: pos.line,
              column: pos.col,
              message: `line ${pos.line}, column ${pos.col}: YAML syntax error: ${what}`,
            }
          : { path: '', message: `YAML syntax error: ${what}` };
      }),
    };
  }

  const problems: ConfigProblem[] = [];
  const unresolved = new Set<string>();
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key') return;
      const path = pathOf(node, ancestors);
      prepareScalar(node, path, env, schema, problems, unresolved);
    },
  });

  try {
    return { data: doc.toJS({ maxAliasCount: 1000 }) as unknown, problems, unresolved };
  } catch (error) {
    return {
      data: undefined,
      unresolved,
      problems: [...problems, { path: '', message: `YAML error: ${(error as Error).message}` }],
    };
  }
}

function prepareScalar(
  node: Scalar,
  path: PathSegment[],
  env: Environment,
  schema: z.ZodType,
  problems: ConfigProblem[],
  unresolved: Set<string>,
): void {
  const where = formatPath(path);
  if (typeof node.value === 'number' && typeof node.source === 'string' && LEADING_ZERO.test(node.source)) {
    if (scalarKindsAt(schema, path).has('string')) node.value = node.source;
    return;
  }
  if (typeof node.value !== 'string') return;
  const result = interpolate(node.value, env);
  if (!result.replaced) {
    node.value = result.value;
    return;
  }
  for (const name of result.missing) {
    unresolved.add(where);
    problems.push({
      path: where,
      message: `environment variable ${name} is not set; export it, or give a default with \${${name}:-value}`,
    });
  }
  for (const reference of result.malformed) {
    unresolved.add(where);
    problems.push({
      path: where,
      message: `${reference} is not a valid reference; write \${NAME} or \${NAME:-default} (or $\${ for a literal \${)`,
    });
  }
  node.value = coerce(result.value, scalarKindsAt(schema, path));
}

/** A value from the environment takes the type the schema expects, when it reads as that type. */
function coerce(value: string, kinds: ReadonlySet<string>): string | number | boolean {
  if (kinds.has('string')) return value;
  if (kinds.has('number') && NUMBER_TEXT.test(value)) return Number(value);
  if (kinds.has('boolean') && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return value;
}

function pathOf(node: unknown, ancestors: readonly unknown[]): PathSegment[] {
  const path: PathSegment[] = [];
  ancestors.forEach((ancestor, i) => {
    if (isPair(ancestor)) {
      path.push(isScalar(ancestor.key) ? String(ancestor.key.value) : String(ancestor.key));
    } else if (isSeq(ancestor)) {
      const child = i + 1 < ancestors.length ? ancestors[i + 1] : node;
      path.push(ancestor.items.indexOf(child as never));
    }
  });
  return path;
}
