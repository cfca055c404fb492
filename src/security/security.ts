import { AccessDeniedError } from '../errors/access-denied-error.js';
import { ALL_SCOPES, type AccessRequest } from './access-request.js';
import type { AuditRecord } from './audit-entry.js';
import type { AuditLog } from './audit-log.js';
import type { Authenticator } from './authenticator.js';
import type { Authorizer, Decision } from './authorizer.js';
import { GuardedCall } from './guarded-call.js';
import type { Principal } from './principal.js';
import type { SecurityCounts } from './security-metrics.js';

/** Who a guarded call acts for: a token (verified on every call) or a principal (trusted, in-process). */
export type Subject = string | Principal;

/**
 * Stator's security: authentication ({@link Security.auth}), authorization
 * ({@link Security.authorizer}) and the audit log ({@link Security.audit}), joined in
 * {@link Security.enforce}, which every guarded call goes through.
 */
export class Security {
  /** {@link ready} has resolved: calls need not wait for it. */
  private settled = false;
  /**
   * The audit record of each decision: a memoized decision is one object per principal and
   * permission, so its record is one object too, which the audit log serializes once.
   */
  private readonly records = new WeakMap<Decision, AuditRecord>();

  public constructor(
    public readonly auth: Authenticator,
    public readonly authorizer: Authorizer,
    public readonly audit: AuditLog,
    private readonly counts: SecurityCounts,
    private readonly readiness: Promise<void> = Promise.resolve(),
  ) {
    // Rejections are reported through ready(); keep an unobserved one from ending the process.
    readiness.then(
      () => {
        this.settled = true;
      },
      () => undefined,
    );
  }

  /**
   * Resolves once token keys are imported. `stator.start()` awaits it, so that a bad key fails
   * the start; calls made before then wait for it.
   *
   * @throws Error naming the `security.jwt` setting whose key does not parse.
   */
  public ready(): Promise<void> {
    return this.readiness;
  }

  /** True once {@link ready} has resolved (a guarded call then skips waiting for it). */
  public isReady(): boolean {
    return this.settled;
  }

  /**
   * The principal a subject stands for: a token is verified (signature, expiry, revocation, the
   * principal still existing), a principal object is taken as is.
   *
   * @throws TokenInvalidError (audited) for a refused token.
   */
  public async principalOf(subject: Subject, source?: string): Promise<Principal> {
    return typeof subject === 'string' ? this.auth.verify(subject, source) : subject;
  }

  /**
   * {@link principalOf} without waiting, when it can answer at once: a principal object as is, a
   * token whose verification is remembered and whose revocation and principal are known in
   * memory (see `Authenticator.verifyNow`). `undefined` otherwise: then call {@link principalOf}.
   */
  public principalNow(subject: Subject): Principal | undefined {
    return typeof subject === 'string' ? this.auth.verifyNow(subject) : subject;
  }

  /**
   * Records a request refused before any decision (a path the sandbox refused): one `deny` audit
   * entry with `reason`. The caller then throws its own error; if the entry cannot be written, that
   * is logged loudly by the audit log and the caller's error still stands.
   */
  public async refuse(principal: Principal, request: AccessRequest, reason: string): Promise<void> {
    this.counts.deny++;
    await this.audit
      .append({
        who: principal.id,
        action: `${request.resource}:${request.action}`,
        resource: `${request.resource}:${request.scope === ALL_SCOPES ? '*' : request.scope}`,
        decision: 'deny',
        reason,
      })
      .catch(() => undefined);
  }

  /**
   * Decides each request, writes one audit entry per request, and throws for the first one
   * denied. Nothing is allowed unless every entry was written: if the audit log cannot be
   * written, the access is denied (fail closed) with the audit error as cause.
   *
   * @throws AccessDeniedError naming the missing permission and why.
   */
  public async enforce(principal: Principal, requests: readonly AccessRequest[]): Promise<readonly Decision[]> {
    if (requests.length === 1) return [await this.enforceRequest(principal, requests[0] as AccessRequest)];
    const decisions = requests.map((r) => this.authorizer.decide(principal, r));
    for (const d of decisions) this.counts[d.allowed ? 'allow' : 'deny']++;
    try {
      await Promise.all(
        requests.map((r, i) => this.audit.write(this.recordOf(principal, r, decisions[i] as Decision))),
      );
    } catch (cause) {
      const d = decisions.find((x) => !x.allowed) ?? (decisions[0] as Decision);
      throw new AccessDeniedError(
        principal.id,
        d.permission,
        'the audit log cannot be written, so access fails closed',
        { cause },
      );
    }
    const denied = decisions.find((d) => !d.allowed);
    if (denied) throw new AccessDeniedError(principal.id, denied.permission, denied.reason);
    return decisions;
  }

  /**
   * {@link enforce} for one request, the path of every guarded call: decided (memoized), its entry
   * queued, and one continuation on the batch's write.
   *
   * @throws AccessDeniedError (as a rejection) when denied, or when the entry cannot be written.
   */
  public enforceRequest(principal: Principal, r: AccessRequest): Promise<Decision> {
    let d: Decision;
    let written: Promise<void>;
    try {
      d = this.authorizer.decide(principal, r);
      this.counts[d.allowed ? 'allow' : 'deny']++;
      written = this.audit.write(this.recordOf(principal, r, d));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return written.then(
      () => {
        if (!d.allowed) throw new AccessDeniedError(principal.id, d.permission, d.reason);
        return d;
      },
      (cause: unknown) => {
        throw new AccessDeniedError(
          principal.id,
          d.permission,
          'the audit log cannot be written, so access fails closed',
          { cause },
        );
      },
    );
  }

  /**
   * {@link enforceRequest} and then the access itself: `op(arg)` runs once the request is decided
   * allowed and its audit entry is written (under `security.audit.sync`), and the promise settles
   * as it does. Denied, or the entry not written (fail closed): rejects with AccessDeniedError and
   * `op` never runs. One promise per call: the audit log tells the call when its batch is written.
   */
  public enforceThen<A, R>(principal: Principal, r: AccessRequest, op: (arg: A) => Promise<R>, arg: A): Promise<R> {
    try {
      const d = this.authorizer.decide(principal, r);
      this.counts[d.allowed ? 'allow' : 'deny']++;
      const call = new GuardedCall(this.recordOf(principal, r, d), principal.id, d, op, arg);
      this.audit.writeThen(call);
      return call.promise;
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * The audit entry of decision `d` on request `r`. The permission a decision names
   * (`resource:action:scope`) gives the entry's action and resource, so a remembered record is
   * reused as long as it names the same principal.
   */
  private recordOf(principal: Principal, r: AccessRequest, d: Decision): AuditRecord {
    const known = this.records.get(d);
    if (known?.who === principal.id) return known;
    const record: AuditRecord = {
      who: principal.id,
      action: `${r.resource}:${r.action}`,
      resource: `${r.resource}:${r.scope === ALL_SCOPES ? '*' : r.scope}`,
      decision: d.allowed ? 'allow' : 'deny',
      reason: d.reason,
    };
    this.records.set(d, record);
    return record;
  }
}
