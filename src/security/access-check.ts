import type { AccessRequest } from './access-request.js';
import type { AttributeValue, Principal } from './principal.js';
import type { Security, Subject } from './security.js';

/** Checks requests for one subject; what every guarded method calls before touching anything. */
export interface AccessCheck {
  (requests: readonly Omit<AccessRequest, 'attributes'>[]): Promise<Principal>;
  /**
   * One request checked, then `op(arg)` run once it is allowed and audited; settles as `op`'s
   * promise does. The path of a guarded call with one request (see `Security.enforceThen`).
   */
  run<A, R>(
    resource: string,
    action: string,
    scope: AccessRequest['scope'],
    op: (arg: A) => Promise<R>,
    arg: A,
  ): Promise<R>;
  /**
   * Audits a request refused before it could be decided (the sandbox refused the path, a key in
   * Stator's internal namespace), then throws `error` (or what it makes of the principal).
   */
  refused(request: Omit<AccessRequest, 'attributes'>, reason: string, error: unknown): Promise<never>;
}

/** Options of `stator.as(...)`. */
export interface GuardOptions {
  /** Where the calls come from (an address): audit entries name it, policies can test `request.source`. */
  readonly source?: string;
  /** Further request attributes for policy conditions (`tenant`, `owner`, ...). */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/**
 * The check of one guarded facade: verifies the subject again (a token on every call, so that
 * expiry and revocation take effect at once), then decides and audits each request.
 */
export function accessCheck(security: Security, subject: Subject, options: GuardOptions = {}): AccessCheck {
  const attributes: Readonly<Record<string, AttributeValue>> = {
    ...options.attributes,
    ...(options.source !== undefined ? { source: options.source } : {}),
  };
  const checkAll = async (requests: readonly Omit<AccessRequest, 'attributes'>[]): Promise<Principal> => {
    if (!security.isReady()) await security.ready();
    const principal = typeof subject === 'string' ? await security.principalOf(subject, options.source) : subject;
    const r = requests[0];
    if (requests.length === 1 && r !== undefined) {
      await security.enforceRequest(principal, { resource: r.resource, action: r.action, scope: r.scope, attributes });
      return principal;
    }
    await security.enforce(
      principal,
      requests.map((r) => ({ resource: r.resource, action: r.action, scope: r.scope, attributes })),
    );
    return principal;
  };
  // The common call (a principal, or a token known valid; one request; security ready) without an
  // async frame of its own.
  const check = (requests: readonly Omit<AccessRequest, 'attributes'>[]): Promise<Principal> => {
    const r = requests[0];
    const principal = security.isReady() ? security.principalNow(subject) : undefined;
    if (requests.length !== 1 || r === undefined || principal === undefined) return checkAll(requests);
    return security
      .enforceRequest(principal, { resource: r.resource, action: r.action, scope: r.scope, attributes })
      .then(() => principal);
  };
  const run = <A, R>(
    resource: string,
    action: string,
    scope: AccessRequest['scope'],
    op: (arg: A) => Promise<R>,
    arg: A,
  ): Promise<R> => {
    const principal = security.isReady() ? security.principalNow(subject) : undefined;
    if (principal === undefined) return checkAll([{ resource, action, scope }]).then(() => op(arg));
    return security.enforceThen(principal, { resource, action, scope, attributes }, op, arg);
  };
  const refused = async (
    request: Omit<AccessRequest, 'attributes'>,
    reason: string,
    error: unknown,
  ): Promise<never> => {
    await security.ready();
    const principal = await security.principalOf(subject, options.source);
    await security.refuse(principal, { ...request, attributes }, reason);
    throw typeof error === 'function' ? (error as (p: Principal) => unknown)(principal) : error;
  };
  return Object.assign(check, { run, refused });
}
