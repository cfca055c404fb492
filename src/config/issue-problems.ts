import type { z } from 'zod';
import type { ConfigProblem } from '../errors/config-invalid-error.js';
import { describeValue, formatPath, toSegments, valueAt } from './config-path.js';
import { suggest } from './did-you-mean.js';
import { keysAt, pathsOfKey } from './schema-walk.js';

/**
 * Turns zod issues into {@link ConfigProblem}s: `path: what was expected, got <value>` plus a hint
 * where one helps (a near-miss key or option, a number written in quotes). Issues under
 * `skip` paths (values whose environment variable is missing, already reported) are dropped.
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.ZodType,
  skip: ReadonlySet<string> = new Set(),
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(unknownKey(schema, [...issue.path, key], key));
      continue;
    }
    const path = formatPath(issue.path);
    if ([...skip].some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) continue;
    const value = valueAt(input, issue.path);
    const hint = hintFor(issue, value);
    problems.push({
      path,
      message: `${issue.message}, got ${describeValue(value, issue.path)}${hint ? `; ${hint}` : ''}`,
    });
  }
  return problems;
}

function unknownKey(schema: z.ZodType, path: readonly PropertyKey[], key: string): ConfigProblem {
  const parent = toSegments(path.slice(0, -1));
  const siblings = keysAt(schema, parent);
  const near = suggest(key, siblings);
  let hint: string;
  if (near) {
    hint = `did you mean \`${near}\`?`;
  } else {
    // A key that exists in one or two other places at the same depth was most likely written in
    // the wrong section (`cache.max_connections` for `connection_pool.max_connections`); one that
    // exists only deeper elsewhere (`cache.url` vs `monitoring.webhooks[].url`) is a different key.
    const depth = path.length;
    const elsewhere = pathsOfKey(schema, key).filter((p) => p.split('.').length === depth);
    hint =
      elsewhere.length > 0 && elsewhere.length <= 2
        ? `\`${key}\` belongs under ${elsewhere.map((p) => `\`${p}\``).join(' or ')}`
        : siblings.length
          ? `allowed here: ${siblings.join(', ')}`
          : 'remove it';
  }
  return { path: formatPath(path), message: `unknown key; ${hint}` };
}

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

function hintFor(issue: z.core.$ZodIssue, value: unknown): string | undefined {
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    const near = suggest(value, issue.values.map(String));
    return near ? `did you mean \`${near}\`?` : undefined;
  }
  if (issue.code === 'invalid_type' && typeof value === 'string') {
    if (issue.expected === 'number' && NUMERIC.test(value)) return 'write the number without quotes';
    if (issue.expected === 'boolean' && /^(true|false)$/i.test(value.trim()))
      return 'write true or false without quotes';
  }
  return undefined;
}
