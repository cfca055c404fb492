import { StatorError } from './stator-error.js';

/** The lease that has been held the longest when an acquire timed out. */
export interface OldestLease {
  /** The connection's id in its pool (`conn-3`). */
  readonly connection: string;
  /** Clock time (ms) at which it was acquired. */
  readonly since: number;
  /** How long it had been held, in milliseconds. */
  readonly heldMs: number;
  /** The first frame in the caller's code that acquired it, when stacks are captured. */
  readonly site?: string;
}

/** What the pool looked like when the acquire gave up. */
export interface PoolTimeoutDetails {
  readonly pool: string;
  readonly timeoutMs: number;
  readonly busy: number;
  readonly max: number;
  /** Other acquires still waiting. */
  readonly waiting: number;
  /** Connections being opened at that moment. */
  readonly creating: number;
  /**
   * Connections the pool lent to earlier requests while this one waited. More than 0: the pool
   * was serving and its callers held every connection (back-pressure; the database answers), so
   * the error does not count against the database's circuit breaker. 0: no connection came back
   * in the whole wait (the database may be stuck), and it counts.
   */
  readonly lentWhileWaiting?: number;
  readonly oldest?: OldestLease;
  /** When the oldest lease's stack was not recorded: the oldest lease whose stack was. */
  readonly oldestRecorded?: OldestLease;
}

/**
 * An acquire waited `acquire_timeout` without getting a connection: every connection was lent
 * out and none came back in time. The message names how many are busy, who holds the oldest
 * lease and since when, so a leak or a long transaction can be found from the error alone.
 *
 * @example
 * ```ts
 * try { await pool.acquire(); }
 * catch (e) { if (isPoolTimeoutError(e)) console.log(e.details.busy, e.details.oldest?.site); }
 * ```
 */
export class PoolTimeoutError extends StatorError {
  public readonly code = 'POOL_TIMEOUT';
  public readonly isPoolTimeoutError = true;

  public constructor(public readonly details: PoolTimeoutDetails) {
    super(describe(details));
  }
}

function describe(d: PoolTimeoutDetails): string {
  const parts = [
    `No connection from pool "${d.pool}" within ${d.timeoutMs / 1000} s: ${d.busy} of ${d.max} connections are busy`,
  ];
  if (d.creating) parts.push(`, ${d.creating} being opened`);
  if (d.waiting) parts.push(`, ${d.waiting} other request${d.waiting === 1 ? '' : 's'} waiting`);
  if (d.lentWhileWaiting !== undefined) {
    parts.push(
      d.lentWhileWaiting > 0
        ? `; ${d.lentWhileWaiting} lent to earlier requests meanwhile (the database answers; its callers hold the connections)`
        : '; none came back meanwhile',
    );
  }
  parts.push('.');
  if (d.oldest) {
    parts.push(` The oldest lease (${d.oldest.connection}) is held ${heldBy(d.oldest)}.`);
  }
  if (d.oldestRecorded) {
    parts.push(
      ` The oldest lease with a recorded stack (${d.oldestRecorded.connection}) is held ${heldBy(d.oldestRecorded)}.`,
    );
  }
  parts.push(
    ' Release every lease (finish or roll back knex transactions, call lease.release()), ' +
      'or raise connection_pool.max_connections or connection_pool.acquire_timeout.',
  );
  return parts.join('');
}

function heldBy(lease: OldestLease): string {
  const by = lease.site ? `by ${lease.site}` : '(stack not recorded)';
  return `${by} since ${new Date(lease.since).toISOString()} (${(lease.heldMs / 1000).toFixed(1)} s)`;
}

/** True for a {@link PoolTimeoutError}, across package copies. */
export const isPoolTimeoutError = (e: unknown): e is PoolTimeoutError =>
  !!e && e instanceof Error && 'isPoolTimeoutError' in e;
