import type { Knex } from 'knex';
import type { StatorConfig } from '../config/schema.js';
import type { PurgeReport } from '../pool/purge.js';
import type { Dialect } from './dialect.js';
import type { BeginOptions, TransactionHandle } from './transaction-handle.js';
import type { RunningTransactionInfo, TransactionRecord } from './transaction-info.js';
import type { QueryPlanReport } from './query-plan-report.js';
import type { TransactionLogEntry } from './transaction-log.js';

/** Isolation levels, as in `transaction.isolation_level`. */
export type IsolationLevel = StatorConfig['transaction']['isolation_level'];

/** Options of {@link StatorDb.transaction}; anything left out comes from the `transaction` section. */
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

/** What the function given to {@link StatorDb.transaction} receives besides the transaction. */
export interface TransactionAttempt {
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** Aborts when the attempt is given up (timeout, shutdown): stop work that is not a query. */
  readonly signal: AbortSignal;
}

/** What {@link StatorDb.transaction} resolves with. */
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

/** A query for {@link StatorDb.explain}: a knex builder or raw, or SQL with `?` placeholders. */
export type ExplainableQuery = Knex.QueryBuilder | Knex.Raw | { readonly sql: string; readonly bindings?: readonly unknown[] } | string;

/**
 * `stator.db`: the database, as a knex instance on Stator's pool plus transactions that retry and
 * time out, and query plans on demand.
 *
 * @example
 * ```ts
 * const rows = await stator.db.knex('users').where({ id });
 * const { value } = await stator.db.transaction(async (trx) => {
 *   await trx('accounts').where({ id: from }).decrement('balance', amount);
 *   await trx('accounts').where({ id: to }).increment('balance', amount);
 *   return 'ok';
 * }, { isolationLevel: 'SERIALIZABLE', invalidates: { tags: ['accounts'] } });
 * ```
 */
export interface StatorDb {
  /**
   * A real Knex instance whose every connection comes from Stator's pool. Do not call
   * `knex.destroy()`: Stator closes the pool on `stop()`.
   */
  readonly knex: Knex;
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a transaction and commits when it resolves, rolls back when it throws.
   * Deadlocks, serialization failures (PostgreSQL 40P01/40001, MySQL 1213/1205, SQLite BUSY) and
   * a connection lost before COMMIT retry the whole function in a fresh transaction, with
   * exponential back-off and jitter; when retries run out the original error is rethrown with
   * an `attempts` property. Called inside another transaction's function, it runs in a savepoint
   * of that transaction instead (no retry, no own timeout: the outermost transaction decides).
   *
   * @throws TransactionTimeoutError when an attempt outlives its timeout (it was rolled back).
   * @throws TransactionRefusedError while the layer is draining.
   * @throws TransactionCommitUnknownError when the connection broke during COMMIT.
   */
  transaction<T>(fn: (trx: Knex.Transaction, attempt: TransactionAttempt) => Promise<T>, options?: TransactionOptions): Promise<TransactionResult<T>>;
  /**
   * Asks the database for the plan of `query` (PostgreSQL `EXPLAIN (FORMAT JSON)`, MySQL
   * `EXPLAIN FORMAT=JSON`, SQLite `EXPLAIN QUERY PLAN`) without running it, names the tables
   * it would scan without an index, and suggests an index for each (`suggestedIndexes`, with the
   * `CREATE INDEX` statement for the dialect) from the query's equality, join, range and ordering
   * columns. Review a suggestion before running it: an index costs every write to its table.
   */
  explain(query: ExplainableQuery): Promise<QueryPlanReport>;
  /**
   * Begins a transaction and hands it over: for work that spans callbacks. Same machine,
   * isolation, timeout and after-commit invalidation as {@link transaction}, but never retried:
   * on a deadlock (PostgreSQL 40P01/40001, MySQL 1213/1205, SQLite BUSY) the statement rejects;
   * roll back and run the whole unit again, or use {@link transaction}, which does that for you.
   * A handle left open past its timeout is rolled back and its connection returned.
   * Always a new top-level transaction, even when called inside {@link transaction}'s function.
   *
   * @throws TransactionRefusedError while the layer is draining.
   * @throws PoolTimeoutError, or the database's error, when BEGIN could not run.
   */
  begin(options?: BeginOptions): Promise<TransactionHandle>;
  /**
   * The top-level transactions running now (callback and handle), oldest first. (Asynchronous,
   * like {@link history}, so that `stator.as(...).db` can check the caller's `db:admin:*` first.)
   */
  transactions(): Promise<RunningTransactionInfo[]>;
  /**
   * The last finished top-level transactions, newest first: outcome, attempts, the last
   * attempt's statements. Keeps `transaction.history_size` of them (default 100; 0 keeps none).
   */
  history(options?: { readonly limit?: number }): Promise<TransactionRecord[]>;
  /** Empties {@link history}. */
  clearHistory(): Promise<void>;
  /**
   * Replaces every pooled connection without stopping (after a failover, a credential rotation,
   * a DNS change): idle ones at once, lent ones when given back; no call fails because of it.
   * Resolves once every replaced connection is closed. See `Pool.purge`.
   *
   * @throws DatabaseNotReadyError when the database is not started.
   */
  purge(): Promise<PurgeReport>;
}
