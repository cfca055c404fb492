import { StatorError } from './stator-error.js';

/**
 * A transaction handle (`stator.db.begin()`) was used after it ended: it was already committed
 * or rolled back. Begin a new transaction for more work.
 *
 * @example
 * ```ts
 * const trx = await stator.db.begin();
 * await trx.commit();
 * await trx.commit(); // TransactionNotActiveError
 * ```
 */
export class TransactionNotActiveError extends StatorError {
  public readonly code = 'TRANSACTION_NOT_ACTIVE';
  public readonly isTransactionNotActiveError = true;

  public constructor(
    /** The transaction's id, as in `stator.db.transactions()` and the history. */
    public readonly id: number,
    /** How it ended: `committed`, `rolled back`, ... */
    public readonly ended: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Transaction ${id} is no longer active (${ended}); begin a new one with stator.db.begin() for more work.`,
      options,
    );
  }
}

/** True for a {@link TransactionNotActiveError}, across package copies. */
export const isTransactionNotActiveError = (e: unknown): e is TransactionNotActiveError =>
  !!e && e instanceof Error && 'isTransactionNotActiveError' in e;
