import { describe, expect, it } from 'vitest';
import type { QueryPlanReport } from '../../../../src/database/index.js';
import { until, type SuiteEnv } from './suite-env.js';

/** The query optimizer: slow queries explained, rate-limited per shape; explain() on demand. */
export function optimizer(env: SuiteEnv): void {
  describe('query optimizer', () => {
    it('explains a slow query once per shape and names the table it scans without an index', async () => {
      const { layer, ctx } = await env.start({
        monitoring: { performance_threshold: 0 },
        database: { slow_query_interval: 3600 },
      });
      const { knex } = layer.api;
      await knex.schema.createTable('opt_people', (t) => {
        t.integer('id').primary();
        t.string('email', 100);
      });
      await knex('opt_people').insert(
        Array.from({ length: 50 }, (_, i) => ({ id: i + 1, email: `p${i}@example.com` })),
      );
      const slowEvents = (): QueryPlanReport[] =>
        ctx.seen
          .filter((e) => e.source === 'database' && e.type === 'query.slow')
          .map((e) => e.data as unknown as QueryPlanReport)
          .filter((r) => r.shape.includes('opt_people') && /^select/i.test(r.shape));
      await knex('opt_people').where({ email: 'p7@example.com' });
      await knex('opt_people').where({ email: 'p8@example.com' });
      await until(() => slowEvents().length >= 1, 'a slow-query report');
      await new Promise((r) => setTimeout(r, 100));
      const reports = slowEvents();
      expect(reports).toHaveLength(1);
      expect(reports[0]?.unindexedTables).toEqual(['opt_people']);
      expect(reports[0]?.shape).not.toContain('p7@example.com');
      expect(reports[0]?.durationMs).toBeGreaterThanOrEqual(0);
      expect(reports[0]?.plan).toBeTruthy();
      expect((layer.details?.() as { slowQueries?: number }).slowQueries).toBeGreaterThanOrEqual(1);
      const metrics = await ctx.metrics.getSingleMetricAsString('stator_database_slow_queries_total');
      expect(metrics).toMatch(/stator_database_slow_queries_total\{[^}]*\} [1-9]/);
    });

    it('explains a query on demand', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('opt_orders', (t) => {
        t.integer('id').primary();
        t.integer('customer_id');
        t.index(['customer_id'], 'opt_orders_customer');
        t.string('note', 50);
      });
      // Enough rows that every planner prefers the index to a scan where it has one.
      await knex.batchInsert(
        'opt_orders',
        Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, customer_id: i % 500, note: `n${i}` })),
        200,
      );
      if (env.driver === 'postgresql') await knex.raw('ANALYZE opt_orders');
      const scan = await layer.api.explain(knex('opt_orders').where({ note: 'n5' }));
      expect(scan.unindexedTables).toEqual(['opt_orders']);
      expect(scan.explainError).toBeUndefined();
      const byKey = await layer.api.explain(knex('opt_orders').where({ id: 5 }));
      expect(byKey.unindexedTables).toEqual([]);
      const byIndex = await layer.api.explain({ sql: 'select * from opt_orders where customer_id = ?', bindings: [3] });
      expect(byIndex.unindexedTables).toEqual([]);
      const ddl = await layer.api.explain('create table nope (id int)');
      expect(ddl.explainError).toBeTruthy();
    });

    it('suggests the index a scanning query needs, and EXPLAIN uses it once created', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('adv_orders', (t) => {
        t.integer('id').primary();
        t.integer('customer_id');
        t.string('status', 10);
        t.integer('created_at');
        t.string('note', 50);
      });
      await knex.batchInsert(
        'adv_orders',
        Array.from({ length: 5000 }, (_, i) => ({
          id: i + 1,
          customer_id: i % 500,
          status: i % 3 ? 'open' : 'done',
          created_at: i,
          note: `n${i}`,
        })),
        200,
      );
      const analyze = async (): Promise<void> => {
        if (env.driver === 'postgresql') await knex.raw('ANALYZE adv_orders');
        else if (env.driver === 'mysql') await knex.raw('ANALYZE TABLE adv_orders');
        else await knex.raw('ANALYZE');
      };
      await analyze();
      const query = () =>
        knex('adv_orders')
          .where({ customer_id: 7, status: 'open' })
          .where('created_at', '>', 100)
          .orderBy('created_at');
      const before = await layer.api.explain(query());
      expect(before.unindexedTables).toEqual(['adv_orders']);
      expect(before.suggestedIndexes).toHaveLength(1);
      const [suggestion] = before.suggestedIndexes;
      expect(suggestion).toMatchObject({
        table: 'adv_orders',
        columns: ['customer_id', 'status', 'created_at'],
        reasons: ['equality', 'equality', 'range'],
      });
      const quote = env.driver === 'mysql' ? '`' : '"';
      expect(suggestion?.sql).toBe(
        `CREATE INDEX ${quote}adv_orders_customer_id_status_created_at_idx${quote} ON ${quote}adv_orders${quote} (${quote}customer_id${quote}, ${quote}status${quote}, ${quote}created_at${quote})`,
      );
      await knex.raw(suggestion?.sql ?? '');
      await analyze();
      const after = await layer.api.explain(query());
      expect(after.unindexedTables).toEqual([]);
      expect(after.suggestedIndexes).toEqual([]);
      expect(JSON.stringify(after.plan)).toContain('adv_orders_customer_id_status_created_at_idx');
    });
  });
}
