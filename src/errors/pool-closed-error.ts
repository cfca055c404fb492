import { StatorError } from './stator-error.js';

/**
 * The pool is closing or closed (`stator.stop()` or `pool.close()`): it lends no more
 * connections, and acquires that were still waiting are rejected with this error.
 *
 * @example
 * ```ts
 * try { await pool.acquire(); }
 * catch (e) { if (isPoolClosedError(e)) console.log(e.pool); }
 * ```
 */
export class PoolClosedError extends StatorError {
  public readonly code = 'POOL_CLOSED';
  public readonly isPoolClosedError = true;

  public constructor(public readonly pool: string) {
    super(`Pool "${pool}" is closed and lends no more connections. Acquire before stopping Stator, or start it again.`);
  }
}

/** True for a {@link PoolClosedError}, across package copies. */
export const isPoolClosedError = (e: unknown): e is PoolClosedError =>
  !!e && e instanceof Error && 'isPoolClosedError' in e;
