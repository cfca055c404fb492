/**
 * `open`: lending connections. `recovering`: the resource is known to be down (a connection
 * could not be opened and none is left); acquires fail fast while one probe reconnects.
 * `closing` / `closed`: after {@link Pool.close}.
 */
export type PoolState = 'open' | 'recovering' | 'closing' | 'closed';

/** A snapshot of a pool's counters, for status and tests. */
export interface ConnectionPoolStats {
  readonly name: string;
  readonly state: PoolState;
  /** Connections that count against `max`: creating + idle + busy + validating. */
  readonly total: number;
  /** Open and in the free list. */
  readonly idle: number;
  /** Lent out. */
  readonly busy: number;
  /** Acquires waiting for a connection. */
  readonly pending: number;
  /** Being opened. */
  readonly creating: number;
  /** Being validated (in the background or before a borrow). */
  readonly validating: number;
  /** Being closed. */
  readonly retiring: number;
  readonly max: number;
  readonly min: number;
  /** Totals since the pool was created. */
  readonly created: number;
  readonly retired: number;
  readonly createFailures: number;
  readonly timeouts: number;
  readonly leaks: number;
  readonly acquires: number;
  /** Calls of `purge()`. */
  readonly purges: number;
}
