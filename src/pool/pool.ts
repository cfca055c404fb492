import type { Observable } from 'rxjs';
import type { LayerHealth } from '../kernel/layer.js';
import type { Lease } from './lease.js';
import type { PoolState, ConnectionPoolStats } from './pool-stats.js';
import type { PurgeReport } from './purge.js';

/** Options of {@link Pool.acquire}. */
export interface AcquireOptions {
  /** Gives up waiting when it aborts (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Overrides `acquire_timeout` for this call (ms; 0 waits without limit). */
  readonly timeoutMs?: number;
}

/** Options of {@link Pool.close}. */
export interface CloseOptions {
  /** Stops waiting for lent connections to come back: they are closed under their holders. */
  readonly signal?: AbortSignal;
}

/**
 * A pool of connections, each one a connection machine (`machines/connection.machine.ts`).
 *
 * Borrowing is plain data: a free list, a FIFO waiter queue, counters and an acquire-time
 * histogram. A connection machine receives an event only when its lifecycle changes (created,
 * validated, retired, broken, leak reported), not per borrow: sending ACQUIRE/RELEASE per call
 * measured at about 6x the whole cost of a tarn acquire/release, so `idle`/`busy` live as plain
 * flags in the pool and the machine's `busy` state is not used by this pool.
 *
 * @example
 * ```ts
 * const pool = createPool(ctx, { name: 'database', factory });
 * const rows = await pool.use((conn) => conn.query('SELECT 1'));
 * await pool.close();
 * ```
 */
export interface Pool<C> {
  readonly name: string;
  /** `open`, `recovering`, `closing` or `closed`. */
  readonly state: PoolState;
  /**
   * Lends a connection: a free one at once, else a new one (below `max`), else the next one
   * released, first come first served.
   *
   * @throws {@link PoolTimeoutError} after `acquire_timeout`, naming who holds the oldest lease.
   * @throws {@link PoolCreateFailedError} at once when opening the connection it waited for failed.
   * @throws {@link PoolRecoveringError} at once while the resource is known to be down.
   * @throws {@link PoolClosedError} once the pool is closing.
   */
  acquire(options?: AcquireOptions): Promise<Lease<C>>;
  /** Acquires, runs `fn`, releases (or retires the connection if `fn` threw and it reports broken). */
  use<T>(fn: (connection: C) => Promise<T> | T, options?: AcquireOptions): Promise<T>;
  stats(): ConnectionPoolStats;
  /**
   * Replaces every connection without stopping: after a failover, a credential rotation or a DNS
   * change. Idle connections are retired at once, lent ones when they are given back, ones being
   * opened or validated as soon as that finishes (their machines go to `retiring` with the reason
   * `purge`); new connections are opened as acquires need them. No acquire fails because of it:
   * waiters are served by new connections. Emits `purge` and `purged` on `pool.<name>` and counts
   * `stator_pool_purges_total`. Resolves when every connection it replaced is closed; the
   * connection a caller still holds keeps working until it is given back.
   *
   * @throws {@link PoolClosedError} once the pool is closing.
   * @example
   * ```ts
   * const { replaced } = await pool.purge();
   * ```
   */
  purge(): Promise<PurgeReport>;
  /** `up`; `degraded` after a connection could not be opened while others work; `down` while recovering or closed. Replays the latest. */
  readonly health$: Observable<LayerHealth>;
  health(): LayerHealth;
  /**
   * Stops lending (waiters are rejected with {@link PoolClosedError}), closes idle connections,
   * waits for lent ones to come back (or for `signal`), closes them and completes `health$`.
   */
  close(options?: CloseOptions): Promise<void>;
}
