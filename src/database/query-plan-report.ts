import type { Dialect } from './dialect.js';

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
  /** The plan as the database returned it (JSON for PostgreSQL and MySQL, rows for SQLite); absent when EXPLAIN failed. */
  readonly plan?: unknown;
  /** Why there is no plan, when EXPLAIN failed. */
  readonly explainError?: string;
  /** Slow-query reports: how long the query took, in milliseconds. */
  readonly durationMs?: number;
}
