import type { Knex } from 'knex';
import type { InvalidationSpec } from './transaction-options.js';
import type { TransactionLog } from './transaction-log.js';
import { AsyncSlot } from '../kernel/async-slot.js';

/** The transaction a function given to `stator.db.transaction` runs in, seen by nested calls. */
export interface TransactionScope {
  /** The database layer that owns the transaction (another Stator instance's calls are not nested). */
  readonly owner: object;
  /** The top-level transaction's id (`transaction.<id>`). */
  readonly id?: number;
  readonly trx: Knex.Transaction;
  readonly log: TransactionLog;
  readonly signal: AbortSignal;
  /** Invalidations of nested calls whose savepoint was released; run after the outermost COMMIT. */
  readonly invalidations: InvalidationSpec[];
}

/**
 * Which transaction the current async context runs in, so that a `stator.db.transaction()` call
 * made inside another one becomes a savepoint of it instead of a second transaction on a second
 * connection (which would deadlock against the first with a pool of one).
 */
export const transactionScope = new AsyncSlot<TransactionScope>();
