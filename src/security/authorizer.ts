import { LRUCache } from 'lru-cache';
import type { Clock } from '../kernel/clock.js';
import { ALL_SCOPES, requestPermission, type AccessRequest } from './access-request.js';
import { conditionsHold } from './conditions.js';
import { compileRule, parsePermission, type CompiledRule, type PermissionPattern } from './permission.js';
import type { Policy, RoleDefinition } from './policy.js';
import type { Principal } from './principal.js';
import { DecisionMemo, isVolatile } from './decision-memo.js';
import type { Decision } from './decision.js';

export type { Decision } from './decision.js';

/** Roles and policies, as in `security.roles` and `security.policies`. */
export interface AuthorizationRules {
  readonly roles?: Readonly<Record<string, RoleDefinition>>;
  readonly policies?: readonly Policy[];
}

interface CompiledPolicy {
  readonly policy: Policy;
  readonly rules: readonly CompiledRule[];
  /** It has a time or request condition: a decision it takes part in is not memoized. */
  readonly volatile: boolean;
}

interface PrincipalRules {
  readonly grants: readonly CompiledRule[];
  readonly policies: readonly CompiledPolicy[];
  /** Decisions already made for this principal (see `DecisionMemo`). */
  readonly memo: DecisionMemo;
}

/**
 * Decides whether a principal may do a request. Deny wins:
 *
 * 1. If any `!` permission of the principal's roles (or its own), or any applicable `deny`
 *    policy, matches the request: **denied**.
 * 2. Otherwise, if any permission of its roles (or its own), or any applicable `allow` policy,
 *    matches: **allowed**.
 * 3. Otherwise: **denied** (nothing is allowed by default).
 *
 * Roles are resolved once with their `inherits`; per principal, templates are filled and globs
 * compiled once and cached (keyed by id, roles and attributes, so a changed principal is
 * recompiled). Conditions are evaluated per request on the injected clock.
 *
 * Decisions are memoized per principal, resource, action and scope (`DecisionMemo`) unless a policy
 * that matches the request has a time or request condition (those are evaluated every time).
 * {@link Authorizer.replaceRules} drops every memoized decision.
 *
 * @throws Error at construction when a permission is malformed or roles inherit in a cycle.
 */
export class Authorizer {
  private rolePatterns = new Map<string, readonly { pattern: PermissionPattern; origin: string }[]>();
  private policyPatterns: readonly { policy: Policy; patterns: readonly PermissionPattern[] }[] = [];
  private readonly cache = new LRUCache<string, PrincipalRules>({ max: 1000 });
  private readonly byObject = new WeakMap<Principal, { readonly rules: PrincipalRules; readonly generation: number }>();
  /** Bumped by {@link replaceRules}: compiled rules of an older generation are not used. */
  private generation = 0;

  public constructor(
    rules: AuthorizationRules,
    private readonly clock: Clock,
  ) {
    this.load(rules);
  }

  /**
   * Replaces the roles and policies: every decision from now on follows the new ones (compiled
   * rules and memoized decisions are dropped).
   *
   * @throws Error when a permission is malformed or roles inherit in a cycle (the old rules stay).
   */
  public replaceRules(rules: AuthorizationRules): void {
    const next = new Authorizer(rules, this.clock);
    this.rolePatterns = next.rolePatterns;
    this.policyPatterns = next.policyPatterns;
    this.cache.clear();
    this.generation++;
  }

  private load(rules: AuthorizationRules): void {
    this.rolePatterns = new Map();
    const roles = rules.roles ?? {};
    const resolving = new Set<string>();
    const resolve = (name: string): readonly { pattern: PermissionPattern; origin: string }[] => {
      const done = this.rolePatterns.get(name);
      if (done) return done;
      const role = roles[name];
      if (!role) return [];
      if (resolving.has(name))
        throw new Error(`security.roles: role "${name}" inherits itself through ${[...resolving].join(' -> ')}`);
      resolving.add(name);
      const own = role.permissions.map((text) => ({
        pattern: parsePermission(text),
        origin: `role ${name} (${text})`,
      }));
      const inherited = (role.inherits ?? []).flatMap((parent) => resolve(parent));
      resolving.delete(name);
      const all = [...own, ...inherited];
      this.rolePatterns.set(name, all);
      return all;
    };
    for (const name of Object.keys(roles)) resolve(name);
    this.policyPatterns = (rules.policies ?? []).map((policy) => ({
      policy,
      patterns: policy.permissions.map((text) => {
        const p = parsePermission(text);
        if (p.effect === 'deny')
          throw new Error(
            `security.policies.${policy.name}: write "${text.slice(1)}" with effect: deny instead of "!"`,
          );
        return { ...p, effect: policy.effect };
      }),
    }));
  }

  /** Decides `request` for `principal`. Never throws for a well-formed request. */
  public decide(principal: Principal, request: AccessRequest): Decision {
    const compiled = this.rulesOf(principal);
    const known = compiled.memo.get(request);
    if (known) return known;
    const decision = this.decideNow(compiled, principal, request, requestPermission(request));
    if (!compiled.policies.some((p) => p.volatile && p.rules.some((r) => ruleMatches(r, request))))
      compiled.memo.set(request, decision);
    return decision;
  }

  private decideNow(
    compiled: PrincipalRules,
    principal: Principal,
    request: AccessRequest,
    permission: string,
  ): Decision {
    const now = this.clock.now();
    const policies = compiled.policies.filter((p) => this.applies(p, principal, request, now));

    const roleDeny = compiled.grants.find((r) => r.effect === 'deny' && ruleMatches(r, request));
    if (roleDeny) return { allowed: false, permission, reason: `denied by ${roleDeny.origin}` };
    const policyDeny = policies.find((p) => p.policy.effect === 'deny');
    if (policyDeny) return { allowed: false, permission, reason: `denied by policy ${policyDeny.policy.name}` };

    const roleAllow = compiled.grants.find((r) => r.effect === 'allow' && ruleMatches(r, request));
    if (roleAllow) return { allowed: true, permission, reason: `granted by ${roleAllow.origin}` };
    const policyAllow = policies.find((p) => p.policy.effect === 'allow');
    if (policyAllow) return { allowed: true, permission, reason: `granted by policy ${policyAllow.policy.name}` };

    return { allowed: false, permission, reason: 'no role or policy grants it' };
  }

  /** The permission texts a principal holds through its roles and directly (before policies). */
  public permissionsOf(principal: Principal): readonly string[] {
    const texts = principal.roles.flatMap((role) => (this.rolePatterns.get(role) ?? []).map((r) => r.pattern.text));
    return [...new Set([...texts, ...(principal.permissions ?? [])])];
  }

  private applies(compiled: CompiledPolicy, principal: Principal, request: AccessRequest, now: number): boolean {
    const { policy } = compiled;
    if (!compiled.rules.some((r) => ruleMatches(r, request))) return false;
    if (policy.when && !conditionsHold(policy.when, principal, request.attributes, now)) return false;
    if (policy.unless && conditionsHold(policy.unless, principal, request.attributes, now)) return false;
    return true;
  }

  private rulesOf(principal: Principal): PrincipalRules {
    // The same principal object again (`as(principal)` on every call): no key to build. Principals
    // are read-only; a changed one is a new object, found or compiled by its key below.
    const same = this.byObject.get(principal);
    if (same && same.generation === this.generation) return same.rules;
    const rules = this.rulesByKey(principal);
    this.byObject.set(principal, { rules, generation: this.generation });
    return rules;
  }

  private rulesByKey(principal: Principal): PrincipalRules {
    const key = JSON.stringify([principal.id, principal.roles, principal.attributes, principal.permissions ?? []]);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const grants: CompiledRule[] = [];
    for (const role of principal.roles) {
      for (const { pattern, origin } of this.rolePatterns.get(role) ?? []) {
        const rule = compileRule(pattern, principal, origin);
        if (rule) grants.push(rule);
      }
    }
    for (const text of principal.permissions ?? []) {
      const rule = compileRule(parsePermission(text), principal, `principal ${principal.id} (${text})`);
      if (rule) grants.push(rule);
    }
    const policies: CompiledPolicy[] = [];
    for (const { policy, patterns } of this.policyPatterns) {
      if (!subjectMatches(policy, principal)) continue;
      const rules = patterns.flatMap((p) => compileRule(p, principal, `policy ${policy.name}`) ?? []);
      if (rules.length) policies.push({ policy, rules, volatile: isVolatile(policy) });
    }
    const out = { grants, policies, memo: new DecisionMemo() };
    this.cache.set(key, out);
    return out;
  }
}

function subjectMatches(policy: Policy, principal: Principal): boolean {
  if (!policy.principals && !policy.roles) return true;
  if (policy.principals?.some((id) => id === '*' || id === principal.id)) return true;
  return policy.roles?.some((role) => principal.roles.includes(role)) ?? false;
}

function ruleMatches(rule: CompiledRule, request: AccessRequest): boolean {
  if (rule.resource !== '*' && rule.resource !== request.resource) return false;
  if (rule.action !== '*' && rule.action !== request.action) return false;
  if (rule.scope === undefined) return true;
  // A request over every scope is granted only by a universal scope, and refused by any deny.
  if (request.scope === ALL_SCOPES) return rule.effect === 'deny';
  return rule.scope.test(request.scope);
}
