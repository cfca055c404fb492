import type { Decision } from './decision.js';
import type { Policy } from './policy.js';

/** Decisions kept per principal; beyond this many scopes the memo starts over (scopes such as cache keys are unbounded). */
const MAX_DECISIONS = 512;

/**
 * The decisions already made for one principal, by permission (`resource:action:scope`). A
 * decision depends only on the principal, the permission and the rules, unless a policy with a
 * time or request condition takes part in it ({@link isVolatile}); the authorizer memoizes the
 * others here. The memo lives with the principal's compiled rules, so a changed principal (its
 * roles or attributes) or replaced rules start with an empty one.
 */
export class DecisionMemo {
  private readonly decisions = new Map<string, Decision>();

  public get(permission: string): Decision | undefined {
    return this.decisions.get(permission);
  }

  public set(permission: string, decision: Decision): void {
    if (this.decisions.size >= MAX_DECISIONS) this.decisions.clear();
    this.decisions.set(permission, decision);
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
