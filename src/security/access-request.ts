import type { AttributeValue } from './principal.js';

/** The scope value of a request that concerns every scope of a resource (`invalidate({ tags })`, `list` of the root). */
export const ALL_SCOPES: unique symbol = Symbol('stator.allScopes');

/**
 * What a caller wants to do, checked by {@link Authorizer.decide}.
 *
 * @example
 * ```ts
 * { resource: 'db', action: 'write', scope: 'orders' }
 * { resource: 'fs', action: 'read', scope: 'uploads/alice/a.png', attributes: { source: '10.0.0.7' } }
 * ```
 */
export interface AccessRequest {
  readonly resource: string;
  readonly action: string;
  /**
   * The key, table or path (relative to base_path, `/`-separated), or {@link ALL_SCOPES} for an
   * operation that may touch any of them. An `ALL_SCOPES` request is granted only by a permission
   * whose scope is `*` or `**`, and refused by any applicable deny of that resource and action.
   */
  readonly scope: string | typeof ALL_SCOPES;
  /** Request attributes for policy conditions (`source`, `owner`, ...). */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** `resource:action:scope` of a request, as named in errors and audit entries. */
export const requestPermission = (request: AccessRequest): string =>
  `${request.resource}:${request.action}:${request.scope === ALL_SCOPES ? '*' : request.scope}`;
