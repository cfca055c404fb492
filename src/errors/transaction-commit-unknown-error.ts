import { StatorError } from './stator-error.js';

/**
 * The connection broke while the database was committing a transaction, so Stator cannot know
 * whether the commit happened. Stator does not retry such a transaction (it could apply the writes
 * twice). Check for the writes (an idempotency key makes this easy) before running it again.
 */
export class TransactionCommitUnknownError extends StatorError {
  public readonly code = 'TRANSACTION_COMMIT_UNKNOWN';
  public readonly isTransactionCommitUnknownError = true;

  public constructor(options?: { cause?: unknown }) {
    super(
      'The connection was lost during COMMIT; the transaction may or may not have been committed. ' +
        'Check whether its writes are present (use an idempotency key) before running it again.',
      options,
    );
  }
}

/** True for a {@link TransactionCommitUnknownError}, across package copies. */
export const isTransactionCommitUnknownError = (e: unknown): e is TransactionCommitUnknownError =>
  !!e && e instanceof Error && 'isTransactionCommitUnknownError' in e;
