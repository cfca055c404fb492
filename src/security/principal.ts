/** A value of a principal or request attribute that policies can test. */
export type AttributeValue = string | number | boolean | readonly string[];

/**
 * Who is asking: a user, a service, an API key's owner. Roles grant permissions (see
 * {@link Authorizer}); attributes feed policy conditions and permission templates such as
 * `fs:write:home/${principal.id}/**`.
 */
export interface Principal {
  /** Stable identifier, unique among principals (`alice`, `billing-service`). */
  readonly id: string;
  /** Role names from `security.roles`. Unknown roles grant nothing. */
  readonly roles: readonly string[];
  /** Free attributes (`team: 'ops'`, `tenant: 'acme'`) for policies and templates. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Permissions granted to this principal directly, in addition to its roles'. */
  readonly permissions?: readonly string[];
}

/** The principal of an unauthenticated caller; it has no roles and is denied everything not granted to `*` by a policy. */
export const ANONYMOUS = 'anonymous';
