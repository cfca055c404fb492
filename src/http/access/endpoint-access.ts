import type { IncomingMessage } from 'node:http';
import { isAccessDeniedError } from '../../errors/access-denied-error.js';
import { isAuthenticationFailedError } from '../../errors/authentication-failed-error.js';
import { isRateLimitedError } from '../../errors/rate-limited-error.js';
import { isTokenInvalidError } from '../../errors/token-invalid-error.js';
import type { AccessRequest } from '../../security/access-request.js';
import type { Principal } from '../../security/principal.js';
import { secureStator, type SecurableStator } from '../../security/secure-stator.js';
import type { Security } from '../../security/security.js';
import { credentialsOf } from './request-credentials.js';

/** Whether a request may do something: `allowed`, no valid credentials, or a principal without the permission. */
export type AccessOutcome = 'allowed' | 'unauthenticated' | 'forbidden';

/** A permission an endpoint asks for (`status:read:*`, `breaker:write:cache`). */
export interface EndpointPermission {
  readonly resource: string;
  readonly action: string;
  readonly scope: string;
}

/**
 * Decides what the caller of an HTTP request may see or do, from the credentials it presents.
 * The endpoints ask it for `status:read:*` (details), `metrics:read:*` (with `http.metrics_auth`)
 * and `breaker:write:<name>` (the dashboard's isolate and reset).
 */
export interface EndpointAccess {
  /**
   * @param audited write an audit entry of the decision (for changes; reads are not audited, a
   * dashboard polls them).
   */
  check(req: IncomingMessage, permission: EndpointPermission, audited?: boolean): Promise<AccessOutcome>;
}

/** Nobody is authorized: what the endpoints use when the Stator has no security. */
export const noAccess: EndpointAccess = { check: async () => 'unauthenticated' };

/**
 * Access decided by Stator's security: a bearer token is verified (signature, expiry, revocation),
 * an API key authenticated (audited, rate limited as any login), then the principal's roles
 * and policies decide.
 */
export function securityAccess(security: () => Security): EndpointAccess {
  // One authentication per request, however many permissions it is checked for.
  const principals = new WeakMap<IncomingMessage, Promise<Principal | undefined>>();
  const principalOf = (req: IncomingMessage): Promise<Principal | undefined> => {
    let found = principals.get(req);
    if (!found) principals.set(req, (found = authenticate(security(), req)));
    return found;
  };
  return {
    async check(req, permission, audited = false) {
      const principal = await principalOf(req);
      if (!principal) return 'unauthenticated';
      const s = security();
      const source = req.socket.remoteAddress;
      const request: AccessRequest = { ...permission, attributes: source ? { source } : {} };
      if (!audited) return s.authorizer.decide(principal, request).allowed ? 'allowed' : 'forbidden';
      try {
        await s.enforce(principal, [request]);
        return 'allowed';
      } catch (error) {
        if (isAccessDeniedError(error)) return 'forbidden';
        throw error;
      }
    },
  };
}

/** The principal behind a request's credentials, or undefined (none, refused, rate limited). */
async function authenticate(s: Security, req: IncomingMessage): Promise<Principal | undefined> {
  const credentials = credentialsOf(req);
  if (!credentials) return undefined;
  const source = req.socket.remoteAddress;
  try {
    await s.ready();
    return credentials.kind === 'token'
      ? await s.auth.verify(credentials.value, source)
      : (await s.auth.authenticate({ apiKey: credentials.value, ...(source ? { source } : {}) })).principal;
  } catch (error) {
    if (isTokenInvalidError(error) || isAuthenticationFailedError(error) || isRateLimitedError(error)) return undefined;
    throw error;
  }
}

const isSecurable = (stator: object): stator is SecurableStator =>
  'context' in stator && 'as' in stator && typeof (stator as { as: unknown }).as === 'function';

/** The access of a Stator from `createStator()` (its `security:` section); {@link noAccess} for anything else. */
export function accessOf(stator: object): EndpointAccess {
  if (!isSecurable(stator)) return noAccess;
  return securityAccess(() => secureStator(stator).security);
}
