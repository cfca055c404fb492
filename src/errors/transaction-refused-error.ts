import { StatorError } from './stator-error.js';

/**
 * `stator.db.transaction()` refused to begin a new transaction because the database layer is
 * draining (Stator is stopping, or an operator asked it to stop taking work). Nothing ran.
 * Transactions already running are allowed to finish.
 */
export class TransactionRefusedError extends StatorError {
  public readonly code = 'TRANSACTION_REFUSED';
  public readonly isTransactionRefusedError = true;

  public constructor(
    /** Why new transactions are refused, e.g. `shutting down`. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `New transactions are refused: ${reason}. Retry on another instance, or after this one is ready again.`,
      options,
    );
  }
}

/** True for a {@link TransactionRefusedError}, across package copies. */
export const isTransactionRefusedError = (e: unknown): e is TransactionRefusedError =>
  !!e && e instanceof Error && 'isTransactionRefusedError' in e;
