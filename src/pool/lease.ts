import type { AcquireSite } from './acquire-site.js';

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

/** A lease as the pool keeps it on the connection it lent: with where it was acquired. */
export interface LentLease<C> extends Lease<C> {
  /** The acquiring stack, when the pool captures stacks. */
  readonly site: AcquireSite | undefined;
}
