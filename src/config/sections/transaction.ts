import { z } from 'zod';
import { count, seconds } from './common.js';

/** `transaction:` — defaults of `stator.db.transaction()`. */
export const transactionSection = z.strictObject({
  isolation_level: z
    .enum(['READ_UNCOMMITTED', 'READ_COMMITTED', 'REPEATABLE_READ', 'SERIALIZABLE'])
    .default('REPEATABLE_READ'),
  /** Seconds before a transaction is rolled back. */
  timeout: seconds().default(30),
  /**
   * Seconds COMMIT may take; then the connection is closed and the call rejects with
   * TRANSACTION_COMMIT_UNKNOWN (default: database.timeout).
   */
  commit_timeout: seconds().optional(),
  /** Times the whole transaction is retried after a deadlock or serialization failure. */
  retry_attempts: count(0).default(3),
  deadlock_retry: z.boolean().default(true),
  /** Seconds of the first back-off before a deadlock retry (doubled each time, with full jitter). */
  retry_delay: seconds().default(0.02),
  /** Seconds: no deadlock back-off is longer. */
  retry_max_delay: seconds().default(1),
  /**
   * PostgreSQL: BEGIN is sent with the transaction's first statement, in one round trip, instead
   * of in a round trip of its own before the function runs.
   */
  defer_begin: z.boolean().default(true),
  /** Finished transactions kept for `stator.db.history()` (0 keeps none). */
  history_size: count(0).default(100),
});
