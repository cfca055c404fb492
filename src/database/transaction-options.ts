import type { StatorConfig } from '../config/schema.js';
import type { TransactionLogEntry } from './transaction-log.js';

// The values of a transaction, apart from `StatorDb` so that the transaction machinery can name them
// without importing the API that names it.

/** Isolation levels, as in `transaction.isolation_level`. */
export type IsolationLevel = StatorConfig['transaction']['isolation_level'];

/** Options of `StatorDb.transaction`; anything left out comes from the `transaction` section. */
export interface TransactionOptions {
  /**
   * PostgreSQL and MySQL/MariaDB: the standard level. SQLite is always serializable; there the
   * level is accepted and recorded, and a write transaction begins with `BEGIN IMMEDIATE`.
   */
  readonly isolationLevel?: IsolationLevel;
  /** Seconds an attempt may run before it is rolled back with `TransactionTimeoutError` (0 = none). */
  readonly timeout?: number;
  /** Retries of the whole function after a deadlock, serialization failure or lost connection. */
  readonly retries?: number;
  /** Begin a read-only transaction (PostgreSQL/MySQL `READ ONLY`; SQLite `BEGIN DEFERRED` + `PRAGMA query_only`). */
  readonly readOnly?: boolean;
  /** Cache entries to invalidate once the transaction has committed (never after a rollback). */
  readonly invalidates?: InvalidationSpec;
  /** A name shown in `stator.db.transactions()` and the history (besides the caller's file and line). */
  readonly name?: string;
}

/** Cache entries named by tags and/or keys. */
export interface InvalidationSpec {
  readonly tags?: readonly string[];
  readonly keys?: readonly string[];
}

/** What the function given to `StatorDb.transaction` receives besides the transaction. */
export interface TransactionAttempt {
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** Aborts when the attempt is given up (timeout, shutdown): stop work that is not a query. */
  readonly signal: AbortSignal;
}

/** What `StatorDb.transaction` resolves with. */
export interface TransactionResult<T> {
  /** What the function returned (on the attempt that committed). */
  readonly value: T;
  /** Attempts made; more than 1 after retries. */
  readonly attempts: number;
  /** Every statement of the committed attempt: statement shape (no values), duration, rows. */
  readonly log: readonly TransactionLogEntry[];
  /** Set when the after-commit cache invalidation failed (the commit stands). */
  readonly invalidationError?: Error;
}
