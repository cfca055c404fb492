import knexFactory, { type Knex } from 'knex';
import type { RuntimeContext } from '../kernel/context.js';
import type { Pipeline } from '../resilience/pipeline/pipeline.js';
import { installBeginOverride } from './begin-override.js';
import type { StatorDb } from './database-api.js';
import { DatabaseMetrics } from './database-metrics.js';
import type { Dialect } from './dialect.js';
import { explainQuery } from './explainer.js';
import { gatedClient } from './gated-client.js';
import { knexLog } from './knex-log.js';
import type { PoolSlot } from './pool-slot.js';
import { attachQuerySpans } from './query-spans.js';
import { QueryTracker } from './query-tracker.js';
import { SlowQueryReporter } from './slow-query-reporter.js';

/** `stator.db.knex` and what watches its queries. */
export interface StatorKnex {
  readonly knex: Knex;
  readonly metrics: DatabaseMetrics;
  readonly tracker: QueryTracker;
  readonly explain: StatorDb['explain'];
}

/**
 * Builds `stator.db.knex` on `slot`: every query gated by the `database` pipeline (read from
 * `pipeline` at each query, see `gated-client.ts`), Stator's BEGIN, query metrics and the
 * transaction logs (the tracker), slow-query reports with their plans on demand, and spans.
 */
export function createStatorKnex(
  ctx: RuntimeContext,
  dialect: Dialect,
  slot: PoolSlot,
  pipeline: () => Pipeline | undefined,
): StatorKnex {
  const knex: Knex = knexFactory({
    client: gatedClient(dialect, pipeline),
    connectionPool: slot,
    compileSqlOnError: false,
    useNullAsDefault: dialect === 'sqlite',
    log: knexLog(ctx.logger),
  });
  installBeginOverride(knex.client, dialect, () =>
    ctx.logger.info(
      "stator.db.transaction: this knex's Transaction is not knex 3.3's, which Stator's light trx copies; transactions use knex's own trx (same behaviour, about 35 µs more CPU each)",
    ),
  );
  const metrics = new DatabaseMetrics(dialect, ctx.metrics);
  const explain: StatorDb['explain'] = (query) => explainQuery(knex, dialect, query);
  const reporter = new SlowQueryReporter(
    ctx,
    metrics,
    ctx.config.database.explain_slow_queries
      ? (q) => explain((q.builder as Knex.QueryBuilder | undefined) ?? q.sql)
      : undefined,
    { dialect },
  );
  const tracker = new QueryTracker(metrics, ctx.config.monitoring.performance_threshold * 1000, (q) =>
    reporter.take(q),
  );
  tracker.attach(knex.client);
  attachQuerySpans(knex.client, ctx.config.database);
  return { knex, metrics, tracker, explain };
}
