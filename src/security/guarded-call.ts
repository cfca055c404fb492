import { AccessDeniedError } from '../errors/access-denied-error.js';
import type { AuditRecord } from './audit-entry.js';
import type { AuditWaiter } from './audit-log.js';
import type { Decision } from './decision.js';

/**
 * One guarded call waiting for its audit entry (see `Security.enforceThen`): once the entry is
 * written, an allowed call runs `op(arg)` and {@link promise} settles as it does; a denied call
 * rejects with `AccessDeniedError`. If the entry cannot be written, the call rejects with
 * `AccessDeniedError` (fail closed) and `op` never runs.
 *
 * The audit log tells it directly (no promise per call in between), so a guarded call costs one
 * promise of its own besides the operation's.
 */
export class GuardedCall<A, R> implements AuditWaiter {
  /** Settles as the call does. */
  public readonly promise: Promise<R>;
  private fulfil!: (value: R | PromiseLike<R>) => void;
  private refuse!: (error: unknown) => void;

  public constructor(
    public readonly record: AuditRecord,
    private readonly principal: string,
    private readonly decision: Decision,
    private readonly op: (arg: A) => Promise<R>,
    private readonly arg: A,
  ) {
    this.promise = new Promise<R>((resolve, reject) => {
      this.fulfil = resolve;
      this.refuse = reject;
    });
  }

  /** The entry is written: run the operation (allowed) or refuse (denied). Never throws. */
  public written(): void {
    const d = this.decision;
    if (!d.allowed) {
      this.refuse(new AccessDeniedError(this.principal, d.permission, d.reason));
      return;
    }
    try {
      // `then` on the operation's promise: one reaction, where resolving with it would add a job.
      this.op(this.arg).then(this.fulfil, this.refuse);
    } catch (error) {
      this.refuse(error);
    }
  }

  /** The entry could not be written: refuse, with the audit log's error as the cause. Never throws. */
  public failed(cause: Error): void {
    this.refuse(
      new AccessDeniedError(
        this.principal,
        this.decision.permission,
        'the audit log cannot be written, so access fails closed',
        { cause },
      ),
    );
  }
}
