import type { AcquireSite } from './acquire-site.js';
import type { PooledConnection } from './pooled-connection.js';

/**
 * A connection lent by a pool. Give it back exactly once: {@link Lease.release} when it is fine,
 * {@link Lease.retire} when it must not be lent again (it broke, its session state is dirty).
 * Further calls are ignored.
 *
 * @example
 * ```ts
 * const lease = await pool.acquire();
 * try { await lease.connection.query('SELECT 1'); }
 * finally { lease.release(); }
 * ```
 */
export interface Lease<C> {
  readonly connection: C;
  /** The connection's id in its pool (`conn-3`), as in events and errors. */
  readonly connectionId: string;
  /** Clock time (ms) of the acquire. */
  readonly acquiredAt: number;
  /** True once released or retired. */
  readonly released: boolean;
  /** Returns the connection to the pool. */
  release(): void;
  /** Returns the connection to be closed instead of lent again. */
  retire(reason?: string): void;
}

/** What a lease calls back into. */
export interface LeaseOwner<C> {
  releaseLease(lease: PoolLease<C>, retireReason?: string): void;
}

/** The pool's {@link Lease}: a small object per borrow. */
export class PoolLease<C> implements Lease<C> {
  private done = false;

  public constructor(
    private readonly owner: LeaseOwner<C>,
    public readonly record: PooledConnection<C>,
    public readonly connection: C,
    public readonly acquiredAt: number,
    /** The acquiring stack, when the pool captures stacks. */
    public readonly site: AcquireSite | undefined,
  ) {}

  public get connectionId(): string {
    return this.record.id;
  }

  public get released(): boolean {
    return this.done;
  }

  public release(): void {
    if (this.done) return;
    this.done = true;
    this.owner.releaseLease(this);
  }

  public retire(reason = 'retired'): void {
    if (this.done) return;
    this.done = true;
    this.owner.releaseLease(this, reason);
  }
}
