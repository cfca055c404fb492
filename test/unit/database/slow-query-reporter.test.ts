import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { DatabaseMetrics } from '../../../src/database/database-metrics.js';
import { SlowQueryReporter } from '../../../src/database/slow-query-reporter.js';
import { EventBus, type StatorEvent } from '../../../src/kernel/event-bus.js';
import { createLogger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { TestClock } from '../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../src/kernel/context.js';

function context(clock: TestClock): { ctx: RuntimeContext; seen: StatorEvent[] } {
  const secrets = new SecretRegistry();
  const events = new EventBus(clock, secrets);
  const seen: StatorEvent[] = [];
  events.events$.subscribe((e) => seen.push(e));
  const ctx: RuntimeContext = {
    config: configSchema.parse({ database: { slow_query_interval: 60 } }),
    clock,
    logger: createLogger({ silent: true }),
    events,
    metrics: new Registry(),
    secrets,
  };
  return { ctx, seen };
}

describe('SlowQueryReporter', () => {
  it('reports a query shape at most once per interval, with the plan from explain', async () => {
    const clock = new TestClock();
    const { ctx, seen } = context(clock);
    const metrics = new DatabaseMetrics('sqlite');
    const explained: string[] = [];
    const reporter = new SlowQueryReporter(
      ctx,
      metrics,
      async (q) => {
        explained.push(q.sql);
        return { dialect: 'sqlite', shape: '', unindexedTables: ['users'], suggestedIndexes: [], plan: [] };
      },
      { dialect: 'sqlite' },
    );
    const slow = (sql: string) => reporter.take({ sql, durationMs: 1500, builder: undefined });
    slow("select * from users where email = 'a'");
    slow("select * from users where email = 'b'");
    slow('EXPLAIN QUERY PLAN select 1');
    await clock.advance(59_000);
    slow("select * from users where email = 'c'");
    await clock.advance(1_000);
    slow("select * from users where email = 'd'");
    await clock.advance(0);
    const reports = seen.filter((e) => e.type === 'query.slow');
    expect(reports).toHaveLength(2);
    expect(reports[0]?.data).toMatchObject({
      shape: 'select * from users where email = ?',
      unindexedTables: ['users'],
      durationMs: 1500,
    });
    expect(JSON.stringify(reports)).not.toContain("'a'");
    expect(explained).toHaveLength(2);
    expect(metrics.slowQueries).toBe(2);
  });
});
