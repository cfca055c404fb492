import { StatorError } from './stator-error.js';

/**
 * The connection broke while the database was committing a transaction, so Stator cannot know
 * whether the commit happened. Stator does not retry such a transaction (it could apply the writes
 * twice). Check for the writes (an idempotency key makes this easy) before running it again.
 */
export class TransactionCommitUnknownError extends StatorError {
  public readonly code = 'TRANSACTION_COMMIT_UNKNOWN';
  public readonly isTransactionCommitUnknownError = true;

  /** @param options.timeoutMs set when COMMIT got no answer within `transaction.commit_timeout` (the connection was then closed). */
  public constructor(options?: { cause?: unknown; timeoutMs?: number }) {
    super(
      (options?.timeoutMs !== undefined
        ? `COMMIT got no answer within ${options.timeoutMs / 1000} s (transaction.commit_timeout) and its connection was closed; `
        : 'The connection was lost during COMMIT; ') +
        'the transaction may or may not have been committed. ' +
        'Check whether its writes are present (use an idempotency key) before running it again.',
      options?.cause !== undefined ? { cause: options.cause } : undefined,
    );
  }
}

/** True for a {@link TransactionCommitUnknownError}, across package copies. */
export const isTransactionCommitUnknownError = (e: unknown): e is TransactionCommitUnknownError =>
  !!e && e instanceof Error && 'isTransactionCommitUnknownError' in e;
