import { StatorError } from './stator-error.js';

/**
 * ROLLBACK of a failed transaction attempt did not complete (the connection was already gone, the
 * database did not answer within `database.timeout`, or the clean-up before it failed). Stator
 * retires that connection instead of lending it again; closing it makes the database discard the
 * transaction, so nothing of the attempt was committed.
 *
 * It is how the transaction machine's `rollBack` actor fails, and it carries the verdict that
 * `src/database` reached on the attempt's original failure — {@link RollbackFailedError.retry} and
 * {@link RollbackFailedError.backoffMs} — as own enumerable fields, so the event log records them
 * and a replay of that log takes the same path. `stator.db.transaction` callers do not receive it:
 * they get the attempt's original error (or the retry's result), as when ROLLBACK succeeds.
 *
 * @example
 * ```ts
 * // Event payloads are redacted copies (plain objects): match on the code.
 * stator.events$.subscribe((e) => {
 *   const error = (e.data as { error?: { code?: string; retry?: boolean } } | undefined)?.error;
 *   if (error?.code === 'ROLLBACK_FAILED') console.warn(`${e.source}: ROLLBACK failed, retry=${error.retry}`);
 * });
 * ```
 */
export class RollbackFailedError extends StatorError {
  public readonly code = 'ROLLBACK_FAILED';
  public readonly isRollbackFailedError = true;
  /** Whether the attempt's original failure is worth a fresh attempt (deadlock, serialization failure, connection lost before COMMIT). */
  public readonly retry: boolean;
  /** Milliseconds of back-off before that attempt (0 when `retry` is false). */
  public readonly backoffMs: number;

  /**
   * @param verdict the retry decision on the attempt's original failure.
   * @param detail what went wrong with ROLLBACK, already scrubbed of secrets.
   * @param options `cause`: the driver's error.
   */
  public constructor(
    verdict: { readonly retry: boolean; readonly backoffMs: number },
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `ROLLBACK failed (${detail}); the connection was retired from the pool, so the database discards the transaction ` +
        `and nothing of this attempt was committed. ${verdict.retry ? 'Its original failure is retryable: it runs again if retries are left.' : 'Its original failure is not retried.'} ` +
        'If this repeats, check that the database server is up and reachable.',
      options,
    );
    this.retry = verdict.retry;
    this.backoffMs = verdict.backoffMs;
  }
}

/** True for a {@link RollbackFailedError}, across package copies. */
export const isRollbackFailedError = (e: unknown): e is RollbackFailedError =>
  !!e && e instanceof Error && 'isRollbackFailedError' in e;
