import { StatorError } from './stator-error.js';

/**
 * Opening a connection for a waiting acquire failed. The acquire is rejected at once with this
 * error (the driver's error is `cause`) rather than left to time out.
 *
 * @example
 * ```ts
 * try { await pool.acquire(); }
 * catch (e) { if (isPoolCreateFailedError(e)) console.log((e.cause as Error).message); }
 * ```
 */
export class PoolCreateFailedError extends StatorError {
  public readonly code = 'POOL_CREATE_FAILED';
  public readonly isPoolCreateFailedError = true;

  public constructor(
    public readonly pool: string,
    /** The failure's message, already scrubbed of secrets. */
    causeMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Pool "${pool}" could not open a connection: ${causeMessage}. ` +
        'Check that the server is up and accepts connections with the configured host, port and credentials.',
      options,
    );
  }
}

/** True for a {@link PoolCreateFailedError}, across package copies. */
export const isPoolCreateFailedError = (e: unknown): e is PoolCreateFailedError =>
  !!e && e instanceof Error && 'isPoolCreateFailedError' in e;
