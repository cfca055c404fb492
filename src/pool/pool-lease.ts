import type { AcquireSite } from './acquire-site.js';
import type { LentLease } from './lease.js';
import type { PooledConnection } from './pooled-connection.js';

/** What a lease calls back into. */
export interface LeaseOwner<C> {
  releaseLease(lease: PoolLease<C>, retireReason?: string): void;
}

/** The pool's {@link Lease}: a small object per borrow. */
export class PoolLease<C> implements LentLease<C> {
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
