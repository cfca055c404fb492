import { StatorError } from './stator-error.js';

/**
 * A transaction ran longer than its timeout (`transaction.timeout`, or the `timeout` option of
 * `stator.db.transaction`). It was rolled back, none of its writes were kept, and its connection
 * was cleaned up: the running statement was cancelled from a separate connection, or the
 * connection was retired when that was not possible.
 *
 * @example
 * ```ts
 * try { await stator.db.transaction(work, { timeout: 5 }); }
 * catch (e) { if (isTransactionTimeoutError(e)) console.log(e.timeoutMs, e.attempt); }
 * ```
 */
export class TransactionTimeoutError extends StatorError {
  public readonly code = 'TRANSACTION_TIMEOUT';
  public readonly isTransactionTimeoutError = true;

  public constructor(
    /** The timeout that ran out, in milliseconds. */
    public readonly timeoutMs: number,
    /** Which attempt timed out (1 for the first). */
    public readonly attempt: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Transaction exceeded its timeout of ${timeoutMs / 1000} s (attempt ${attempt}) and was rolled back; none of its writes were kept. ` +
        'Make the transaction shorter (move slow work outside it, add an index), or raise transaction.timeout or the timeout option.',
      options,
    );
  }
}

/** True for a {@link TransactionTimeoutError}, across package copies. */
export const isTransactionTimeoutError = (e: unknown): e is TransactionTimeoutError =>
  !!e && e instanceof Error && 'isTransactionTimeoutError' in e;
