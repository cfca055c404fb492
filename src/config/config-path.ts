import { isSecretKey, REDACTED } from '../logging/redact.js';
import type { PathSegment } from './schema-walk.js';

/** `['cache', 'cluster', 'nodes', 0, 'port']` → `cache.cluster.nodes[0].port`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

/** Path segments as the schema walker wants them (symbols dropped). */
export const toSegments = (path: readonly PropertyKey[]): PathSegment[] =>
  path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');

/**
 * Values secret because of where they are, not what their key is called: webhook URLs usually
 * carry a token (`https://hooks.example.com/T0/B0/XXXX`), connection URLs a password.
 */
const SECRET_PATHS: readonly RegExp[] = [/^monitoring\.webhooks\[\d+\]\.url$/, /^(database|cache)\.url$/];

/**
 * True when any key along `path` names a secret (`password`, `token`, ...), or the path is one
 * of the known secret locations: its value is never shown.
 */
export const isSecretPath = (path: readonly PropertyKey[]): boolean =>
  path.some((segment) => typeof segment === 'string' && isSecretKey(segment)) ||
  SECRET_PATHS.some((pattern) => pattern.test(formatPath(path)));

/** The value found at `path` in plain data, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

const MAX_SHOWN = 80;

/**
 * How a found value is shown after `got`: strings quoted, `nothing` when absent, `[REDACTED]` at a
 * secret path, long values cut.
 */
export function describeValue(value: unknown, path: readonly PropertyKey[]): string {
  if (value === undefined) return 'nothing';
  if (isSecretPath(path)) return REDACTED;
  let text: string;
  try {
    text =
      typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}
