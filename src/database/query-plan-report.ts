import type { Dialect } from './dialect.js';

/** An index that would let the database avoid scanning a table, from the query's own columns. */
export interface IndexSuggestion {
  readonly table: string;
  /** In index order: equality columns, then join columns, then one range or the ordering columns. */
  readonly columns: readonly string[];
  /** Why each column is there, in the same order. */
  readonly reasons: ReadonlyArray<'equality' | 'join' | 'range' | 'order'>;
  /** The statement for this dialect, e.g. `CREATE INDEX "idx_orders_customer_id" ON "orders" ("customer_id")`. */
  readonly sql: string;
}

/**
 * What the query optimizer says about one query: its shape, the tables its plan scans without an
 * index, and the plan itself. Produced by `stator.db.explain()` and, for slow queries, published
 * on `events$` (`database` / `query.slow`), logged and counted.
 */
export interface QueryPlanReport {
  readonly dialect: Dialect;
  /** The statement with every value replaced by `?` (see `queryShape`). */
  readonly shape: string;
  /** Tables read by a full scan (PostgreSQL Seq Scan, MySQL access type ALL, SQLite SCAN without index). */
  readonly unindexedTables: readonly string[];
  /** An index per unindexed table that the query's equality, join, range and ordering columns call for. */
  readonly suggestedIndexes: readonly IndexSuggestion[];
  /** The plan as the database returned it (JSON for PostgreSQL and MySQL, rows for SQLite); absent when EXPLAIN failed. */
  readonly plan?: unknown;
  /** Why there is no plan, when EXPLAIN failed. */
  readonly explainError?: string;
  /** Slow-query reports: how long the query took, in milliseconds. */
  readonly durationMs?: number;
}
