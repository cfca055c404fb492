import { StatorError } from './stator-error.js';

/**
 * A running transaction was rolled back because the database layer was stopped before it
 * finished (the drain deadline of `stator.stop()` passed). None of its writes were kept.
 */
export class TransactionAbortedError extends StatorError {
  public readonly code = 'TRANSACTION_ABORTED';
  public readonly isTransactionAbortedError = true;

  public constructor(
    /** Why it was aborted, e.g. `database stopping`. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Transaction rolled back before it finished: ${reason}. None of its writes were kept; run it again once the database is ready.`,
      options,
    );
  }
}

/** True for a {@link TransactionAbortedError}, across package copies. */
export const isTransactionAbortedError = (e: unknown): e is TransactionAbortedError =>
  !!e && e instanceof Error && 'isTransactionAbortedError' in e;
