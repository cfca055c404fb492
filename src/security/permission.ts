import { compileScopeGlob, escapeGlob, isUniversalScope } from './scope-glob.js';
import type { Principal } from './principal.js';

/**
 * A permission as written in configuration: `resource:action:scope`, optionally prefixed with
 * `!` to deny instead of grant.
 *
 * - `resource`: `cache`, `db`, `fs`, or a name of the embedding service's own; `*` for any.
 * - `action`: `read`, `write` (any change: set, delete, insert, update, ...), `raw` (raw SQL),
 *   or the service's own; `*` for any.
 * - `scope`: everything after the second `:` (so it may contain `:`), a glob over cache keys,
 *   table names or paths relative to `filesystem.base_path`; see {@link compileScopeGlob}.
 *
 * A scope may use templates filled from the principal: `${principal.id}` and
 * `${principal.<attribute>}`, e.g. `fs:write:home/${principal.id}/**`. The value is inserted
 * literally (its `*` and `?` do not act as wildcards); if the attribute is missing the
 * permission grants (or denies) nothing.
 */
export interface PermissionPattern {
  readonly effect: 'allow' | 'deny';
  readonly resource: string;
  readonly action: string;
  readonly scope: string;
  /** The text as written, for reasons and audit entries. */
  readonly text: string;
}

const TEMPLATE = /\$\{principal\.([A-Za-z0-9_-]+)\}/g;
const SEGMENT = /^(\*|[A-Za-z0-9_-]+)$/;

/**
 * Parses `[!]resource:action:scope`.
 *
 * @throws Error with a message for the config validator when the text is not a permission.
 */
export function parsePermission(text: string): PermissionPattern {
  const effect = text.startsWith('!') ? 'deny' : 'allow';
  const body = effect === 'deny' ? text.slice(1) : text;
  const first = body.indexOf(':');
  const second = first < 0 ? -1 : body.indexOf(':', first + 1);
  if (first < 0 || second < 0 || second === body.length - 1) {
    throw new Error(`expected "resource:action:scope" such as "db:write:orders", got "${text}"`);
  }
  const resource = body.slice(0, first);
  const action = body.slice(first + 1, second);
  const scope = body.slice(second + 1);
  if (!SEGMENT.test(resource) || !SEGMENT.test(action)) {
    throw new Error(`resource and action must be names or "*", got "${text}"`);
  }
  return { effect, resource, action, scope, text };
}

/** A permission ready to match requests for one principal (templates filled in). */
export interface CompiledRule {
  readonly effect: 'allow' | 'deny';
  readonly resource: string;
  readonly action: string;
  /** Undefined when the scope matches every scope. */
  readonly scope: RegExp | undefined;
  /** Where it came from, for reasons: `role editor (db:write:*)`, `policy night-freeze`. */
  readonly origin: string;
}

/**
 * Fills templates with the principal's values and compiles the scope glob. Returns undefined when
 * a template refers to an attribute the principal lacks (the rule then applies to nothing).
 */
export function compileRule(pattern: PermissionPattern, principal: Principal, origin: string): CompiledRule | undefined {
  let missing = false;
  const scope = pattern.scope.replace(TEMPLATE, (_m, name: string) => {
    const value = name === 'id' ? principal.id : principal.attributes[name];
    if (typeof value !== 'string' && typeof value !== 'number') {
      missing = true;
      return '';
    }
    return escapeGlob(String(value));
  });
  if (missing) return undefined;
  return {
    effect: pattern.effect,
    resource: pattern.resource,
    action: pattern.action,
    scope: isUniversalScope(scope) ? undefined : compileScopeGlob(scope),
    origin,
  };
}
