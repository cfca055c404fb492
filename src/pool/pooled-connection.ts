import type { Actor } from 'xstate';
import type { connectionMachine } from '../../machines/connection.machine.js';
import type { LentLease } from './lease.js';

/** Where a pooled connection is, as the pool's plain bookkeeping sees it. */
export type PooledState = 'creating' | 'idle' | 'busy' | 'validating' | 'retiring' | 'closed';

/**
 * The pool's record of one connection: plain fields read and written on every borrow, next to
 * the connection machine that receives an event only when the lifecycle changes.
 */
export class PooledConnection<C> {
  public state: PooledState = 'creating';
  /** The connection itself, once created. */
  public resource: C | undefined;
  /** Clock time of the last release (or of creation). */
  public lastUsedAt: number;
  /** Clock time it was last known to work: released after use, or validated. */
  public lastGoodAt: number;
  /** The current lease, while lent out. */
  public lease: LentLease<C> | undefined;
  /** Set when the connection reported an error or ended: it is never lent again. */
  public broken: unknown;
  /** The current lease was reported as a possible leak. */
  public leakReported = false;

  public constructor(
    /** `conn-<n>`, unique in its pool. */
    public readonly id: string,
    public readonly actor: Actor<typeof connectionMachine>,
    public readonly createdAt: number,
    /** Clock time at which max_lifetime (with jitter) runs out; Infinity when off. */
    public readonly expiresAt: number,
    /** The pool's purge generation when it was opened; an older one is retired (see `purge.ts`). */
    public readonly generation = 0,
  ) {
    this.lastUsedAt = createdAt;
    this.lastGoodAt = createdAt;
  }
}
