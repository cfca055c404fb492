import { compileScopeGlob, escapeGlob, isUniversalScope, separatorsOf } from './scope-glob.js';
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
 * literally (its `*` and `?` do not act as wildcards). So that a value can never extend into
 * another principal's names (tenant `acme` into `acme_corp`), a template must end the scope or be
 * followed by a separator of the resource (`:` cache, `/` fs, `.` or `_` db; {@link separatorsOf}),
 * and a value that contains a separator, is empty, or is missing makes the permission grant (or
 * deny) nothing. With `db:*:tenant_${principal.tenant}_*`, tenant `acme` gets `tenant_acme_orders`
 * but not `tenant_acme_corp_orders` (a grant's `*` does not cross `_`), and a tenant `acme_corp`
 * gets nothing from the template (its value holds a separator): pick tenant ids without one.
 * `db:*:tenant_${principal.tenant}*` is refused by the configuration check.
 *
 * In a grant a `*` stays within one segment; in a deny (`!`) it reaches across separators like
 * `**`, so that a deny never covers less than it seems to.
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
  const seps = separatorsOf(resource);
  for (const m of scope.matchAll(TEMPLATE)) {
    const next = scope[(m.index ?? 0) + m[0].length];
    if (next !== undefined && !seps.includes(next)) {
      throw new Error(
        `a template must end the scope or be followed by ${[...seps].map((c) => `"${c}"`).join(' or ')}, so that a value cannot run into another principal's names; got "${text}" (write e.g. "${resource}:${action}:${scope.slice(0, m.index)}${m[0]}${seps[0]}*")`,
      );
    }
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
  const seps = separatorsOf(pattern.resource);
  const scope = pattern.scope.replace(TEMPLATE, (_m, name: string) => {
    const value = name === 'id' ? principal.id : principal.attributes[name];
    const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    if (text === '' || [...seps].some((c) => text.includes(c))) {
      missing = true;
      return '';
    }
    return escapeGlob(text);
  });
  if (missing) return undefined;
  return {
    effect: pattern.effect,
    resource: pattern.resource,
    action: pattern.action,
    // A deny reaches further, never less far: its `*` crosses separators as `**` does.
    scope: isUniversalScope(scope) ? undefined : compileScopeGlob(scope, pattern.effect === 'deny' ? '' : seps),
    origin,
  };
}
