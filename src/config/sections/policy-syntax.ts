/**
 * The syntax of the security section's policy texts (permissions, scope separators, time windows),
 * read by the configuration check and by the authorizer: it lives on the ground floor so that
 * validating configuration never imports the security capability.
 */

/**
 * The separators of each resource's scopes: `:` between the parts of a cache key, `/` between
 * path segments, `.` between a schema and its table and `_` between the words of a snake_case
 * table name (`tenant_acme_orders`). In a grant, a `*` never crosses them, and a template value
 * must be followed by one and never contain one (see `permission.ts`). A resource Stator does not
 * know uses `/`; a rule for any resource (`*:read:...`) uses all of them.
 */
export const SCOPE_SEPARATORS: Readonly<Record<string, string>> = { cache: ':', fs: '/', db: '._' };

/** The separators of `resource` (`*` → every known separator). */
export function separatorsOf(resource: string): string {
  if (resource === '*') return ':/._';
  return SCOPE_SEPARATORS[resource] ?? '/';
}

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

/** `${principal.<name>}` in a scope, with the name captured. */
export const PRINCIPAL_TEMPLATE = /\$\{principal\.([A-Za-z0-9_-]+)\}/g;
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
  for (const m of scope.matchAll(PRINCIPAL_TEMPLATE)) {
    const next = scope[(m.index ?? 0) + m[0].length];
    if (next !== undefined && !seps.includes(next)) {
      throw new Error(
        `a template must end the scope or be followed by ${[...seps].map((c) => `"${c}"`).join(' or ')}, so that a value cannot run into another principal's names; got "${text}" (write e.g. "${resource}:${action}:${scope.slice(0, m.index)}${m[0]}${seps[0]}*")`,
      );
    }
  }
  return { effect, resource, action, scope, text };
}

/** Day names accepted in a time window (`TimeWindow` of the security capability). */
export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** A day of the week. */
export type Day = (typeof DAYS)[number];

/** Minutes since midnight of `HH:MM`. */
export function parseClockTime(text: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) throw new Error(`expected a time "HH:MM" from 00:00 to 23:59, got "${text}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}
