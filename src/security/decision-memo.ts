import type { AccessRequest } from './access-request.js';
import type { Decision } from './decision.js';
import type { Policy } from './policy.js';

/** Decisions kept per principal; beyond this many scopes the memo starts over (scopes such as cache keys are unbounded). */
const MAX_DECISIONS = 512;

type Scope = AccessRequest['scope'];

/**
 * The decisions already made for one principal, by resource, action and scope. A decision
 * depends only on the principal, the request's resource, action and scope, and the rules, unless
 * a policy with a time or request condition takes part in it ({@link isVolatile}); the authorizer
 * memoizes the others here. The memo lives with the principal's compiled rules, so a changed
 * principal (its roles or attributes) or replaced rules start with an empty one.
 *
 * Keyed by the request's parts, not by its permission text: no string is built per lookup, and a
 * request over every scope (`ALL_SCOPES`, granted only by a universal scope) is never confused
 * with a request for the literal scope `*` (which a glob such as `?` matches).
 */
export class DecisionMemo {
  private readonly decisions = new Map<string, Map<string, Map<Scope, Decision>>>();
  private size = 0;

  public get(request: Omit<AccessRequest, 'attributes'>): Decision | undefined {
    return this.decisions.get(request.resource)?.get(request.action)?.get(request.scope);
  }

  public set(request: Omit<AccessRequest, 'attributes'>, decision: Decision): void {
    if (this.size >= MAX_DECISIONS) {
      this.decisions.clear();
      this.size = 0;
    }
    let byAction = this.decisions.get(request.resource);
    if (!byAction) this.decisions.set(request.resource, (byAction = new Map()));
    let byScope = byAction.get(request.action);
    if (!byScope) byAction.set(request.action, (byScope = new Map()));
    if (!byScope.has(request.scope)) this.size++;
    byScope.set(request.scope, decision);
  }
}

/**
 * Whether a policy's outcome can change between two identical requests of one principal: a time
 * window, or a condition on the request's attributes (which differ per call). Conditions on the
 * principal are fixed for a principal and do not count.
 */
export function isVolatile(policy: Policy): boolean {
  return !!(policy.when?.time || policy.when?.request || policy.unless?.time || policy.unless?.request);
}
