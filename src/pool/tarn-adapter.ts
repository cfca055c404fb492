import type { Lease } from './lease.js';
import type { Pool } from './pool.js';

/**
 * The shape of a tarn `Pool` that knex 3.3 uses when given one as `connectionPool`
 * (`isTarnPool` in knex's `lib/pool.js`; `acquireConnection`, `releaseConnection` and `destroy`
 * in `lib/client.js`).
 */
export interface TarnPoolAdapter<C> {
  /** knex awaits `.promise`. After `abort()` the promise rejects and the connection, once lent, goes back. */
  acquire(): { readonly promise: Promise<C>; abort(): void };
  /** false when the connection was not lent by this pool (knex only logs that). */
  release(connection: C): boolean;
  /** Closes the underlying pool, if the adapter owns it (knex does not call it for an external pool). */
  destroy(): Promise<void>;
  numFree(): number;
  numUsed(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  numPendingValidations(): number;
  isEmpty(): boolean;
}

/** Options of {@link toTarnPool}. */
export interface TarnAdapterOptions {
  /** Let `destroy()` close the pool. Default false: Stator closes its pool itself, in order. */
  readonly closeOnDestroy?: boolean;
}

/**
 * Makes a {@link Pool} look like the tarn pool knex expects, so that every knex query and
 * transaction borrows from Stator's pool: `knex({ client: 'pg', connectionPool: toTarnPool(pool) })`.
 *
 * A connection that knex marked broken (`__knex__disposed`, set by the pg and mysql dialects when
 * the connection errors or ends) is retired on release and never lent again.
 *
 * @example
 * ```ts
 * const pool = createPool(ctx, { name: 'database', factory: knexConnectionFactory(rawClient) });
 * const db = knex({ client: 'pg', connectionPool: toTarnPool(pool) });
 * await db.raw('select 1');
 * ```
 */
export function toTarnPool<C extends object>(pool: Pool<C>, options: TarnAdapterOptions = {}): TarnPoolAdapter<C> {
  const leases = new Map<C, Lease<C>>();
  return {
    acquire() {
      // No AbortController per call: it would cost more than the whole acquire. abort() stops the
      // caller waiting; a connection that arrives afterwards goes straight back to the pool.
      let aborted = false;
      const promise = pool.acquire().then((lease) => {
        if (aborted) {
          lease.release();
          throw new Error('acquire aborted');
        }
        leases.set(lease.connection, lease);
        return lease.connection;
      });
      return {
        promise,
        abort: () => {
          aborted = true;
        },
      };
    },
    release(connection) {
      const lease = leases.get(connection);
      if (!lease) return false;
      leases.delete(connection);
      if ((connection as { __knex__disposed?: unknown }).__knex__disposed) lease.retire('broken');
      else lease.release();
      return true;
    },
    destroy: () => (options.closeOnDestroy ? pool.close() : Promise.resolve()),
    numFree: () => pool.stats().idle,
    numUsed: () => pool.stats().busy,
    numPendingAcquires: () => pool.stats().pending,
    numPendingCreates: () => pool.stats().creating,
    numPendingValidations: () => pool.stats().validating,
    isEmpty: () => pool.stats().total === 0,
  };
}
