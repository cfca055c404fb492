import type { RuntimeContext } from '../kernel/context.js';
import type { DatabaseMetrics } from './database-metrics.js';
import type { QueryPlanReport } from './query-plan-report.js';
import { queryShape } from './query-shape.js';
import type { SlowQuery } from './query-tracker.js';

const MAX_SHAPES = 1000;

/**
 * Reports slow queries (slower than `monitoring.performance_threshold`), at most once per query
 * shape per `database.slow_query_interval`: explains the query when `database.explain_slow_queries`
 * is on, then logs a warning, counts `stator_database_slow_queries_total` and publishes
 * `query.slow` (source `database`) on `events$` with the {@link QueryPlanReport}.
 */
export class SlowQueryReporter {
  private readonly lastReported = new Map<string, number>();
  private readonly intervalMs: number;

  public constructor(
    private readonly ctx: RuntimeContext,
    private readonly metrics: DatabaseMetrics,
    private readonly explain: ((query: SlowQuery) => Promise<QueryPlanReport>) | undefined,
    private readonly base: Pick<QueryPlanReport, 'dialect'>,
  ) {
    this.intervalMs = ctx.config.database.slow_query_interval * 1000;
  }

  /** Takes one slow query; reports it unless its shape was reported within the interval. */
  public take(query: SlowQuery): void {
    if (/^\s*explain\b/i.test(query.sql)) return;
    const shape = queryShape(query.sql);
    const now = this.ctx.clock.now();
    const last = this.lastReported.get(shape);
    if (last !== undefined && now - last < this.intervalMs) return;
    if (this.lastReported.size >= MAX_SHAPES) this.forgetOldest();
    this.lastReported.delete(shape);
    this.lastReported.set(shape, now);
    this.metrics.slowQueries++;
    const durationMs = Math.round(query.durationMs * 1000) / 1000;
    const explained = this.explain
      ? this.explain(query)
      : Promise.resolve({ ...this.base, shape, unindexedTables: [], suggestedIndexes: [] });
    void explained
      .then((plan) => this.publish({ ...plan, shape, durationMs }))
      .catch((error: unknown) => this.ctx.logger.debug('database: explaining a slow query failed', { error }));
  }

  private publish(report: QueryPlanReport): void {
    const tables = report.unindexedTables.length
      ? `; scans without an index: ${report.unindexedTables.join(', ')}`
      : '';
    const advice = report.suggestedIndexes.length
      ? `; suggested: ${report.suggestedIndexes.map((i) => i.sql).join('; ')}`
      : '';
    this.ctx.logger.warn(`database: slow query (${report.durationMs} ms)${tables}${advice}: ${report.shape}`, {
      durationMs: report.durationMs,
      unindexedTables: report.unindexedTables,
      ...(report.explainError ? { explainError: report.explainError } : {}),
    });
    this.ctx.events.emit('database', 'query.slow', { ...report });
  }

  private forgetOldest(): void {
    const cutoff = this.ctx.clock.now() - this.intervalMs;
    for (const [shape, at] of this.lastReported) {
      if (at < cutoff || this.lastReported.size >= MAX_SHAPES) this.lastReported.delete(shape);
      else break;
    }
  }
}
