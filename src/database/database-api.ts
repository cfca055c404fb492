import type { Knex } from 'knex';
import type { Served } from '../resilience/fallback/fallback-store.js';
import type { PurgeReport } from '../pool/purge.js';
import type { Dialect } from './dialect.js';
import type { BeginOptions, TransactionHandle } from './transaction-handle.js';
import type { RunningTransactionInfo, TransactionRecord } from './transaction-info.js';
import type { QueryPlanReport } from './query-plan-report.js';
import type {
  IsolationLevel,
  InvalidationSpec,
  TransactionAttempt,
  TransactionOptions,
  TransactionResult,
} from './transaction-options.js';

export type { IsolationLevel, InvalidationSpec, TransactionAttempt, TransactionOptions, TransactionResult };

/** The query of {@link StatorDb.read}: a knex builder (or raw), or a function that runs one. */
export type DbReadQuery<T> = PromiseLike<T> | ((knex: Knex) => PromiseLike<T>);

/** Options of {@link StatorDb.read}. */
export interface DbReadOptions<T> {
  /** What the `default` strategy answers with (absent: that strategy has nothing). */
  readonly default?: T;
}

/** A query for {@link StatorDb.explain}: a knex builder or raw, or SQL with `?` placeholders. */
export type ExplainableQuery =
  Knex.QueryBuilder | Knex.Raw | { readonly sql: string; readonly bindings?: readonly unknown[] } | string;

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
  transaction<T>(
    fn: (trx: Knex.Transaction, attempt: TransactionAttempt) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<TransactionResult<T>>;
  /**
   * Asks the database for the plan of `query` (PostgreSQL `EXPLAIN (FORMAT JSON)`, MySQL
   * `EXPLAIN FORMAT=JSON`, SQLite `EXPLAIN QUERY PLAN`) without running it, names the tables
   * it would scan without an index, and suggests an index for each (`suggestedIndexes`, with the
   * `CREATE INDEX` statement for the dialect) from the query's equality, join, range and ordering
   * columns. Review a suggestion before running it: an index costs every write to its table.
   */
  explain(query: ExplainableQuery): Promise<QueryPlanReport>;
  /**
   * A read with a fallback: runs `query` (a knex builder, or a function of `knex`) and
   * remembers the result under `key`; when it fails in a way that allows a fallback (the database
   * is unreachable, the breaker is open, a timeout — not a syntax error), answers from
   * `error_handling.fallback.strategies` in order: `cache` (the last good result kept through the
   * cache layer), `local` (kept in process), `default` (`options.default`).
   *
   * @returns `{ value, source, stale, error }`: `source` is `primary` or the strategy that
   *   answered; `stale` and `error` (why the database did not answer) when a fallback served.
   * @throws the query's error when no strategy has a value.
   * @example
   * ```ts
   * const { value: plans, stale } = await stator.db.read('plans:all', (knex) => knex('plans').select(), { default: [] });
   * ```
   */
  read<T>(key: string, query: DbReadQuery<T>, options?: DbReadOptions<T>): Promise<Served<T>>;
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
