import { StatorError } from './stator-error.js';

/**
 * The pool is `recovering`: its last attempt to open a connection failed with no connection left
 * open, so the resource behind it is known to be down. Acquires fail at once with this error (the
 * original failure is `cause`) instead of waiting for a timeout; one background probe reconnects
 * with back-off and the pool serves again as soon as it succeeds.
 *
 * @example
 * ```ts
 * try { await pool.acquire(); }
 * catch (e) { if (isPoolRecoveringError(e)) console.log(e.cause, new Date(e.nextProbeAt)); }
 * ```
 */
export class PoolRecoveringError extends StatorError {
  public readonly code = 'POOL_RECOVERING';
  public readonly isPoolRecoveringError = true;

  public constructor(
    public readonly pool: string,
    /** Clock time (ms) since which the pool has been recovering. */
    public readonly since: number,
    /** Clock time (ms) of the next reconnection attempt. */
    public readonly nextProbeAt: number,
    /** The message of the failure that made the pool recover (already scrubbed of secrets). */
    causeMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Pool "${pool}" cannot open connections (${causeMessage}) and is reconnecting in the background since ` +
        `${new Date(since).toISOString()}; next attempt at ${new Date(nextProbeAt).toISOString()}. ` +
        'Check that the server is up and reachable with the configured host, port and credentials; retry later.',
      options,
    );
  }
}

/** True for a {@link PoolRecoveringError}, across package copies. */
export const isPoolRecoveringError = (e: unknown): e is PoolRecoveringError =>
  !!e && e instanceof Error && 'isPoolRecoveringError' in e;
