import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { histogramQuantile } from '../../../src/status/metrics/histogram-quantile.js';
import { readSeries } from '../../../src/status/metrics/series.js';
import { SnapshotBuilder } from '../../../src/status/metrics/snapshot-builder.js';

function setup() {
  const registry = new Registry();
  const builder = new SnapshotBuilder(0);
  const build = async (time: number, sources: Parameters<SnapshotBuilder['build']>[1] = []) =>
    builder.build(await readSeries(registry), sources, time);
  return { registry, build };
}

describe('histogramQuantile', () => {
  it('interpolates inside the bucket holding the rank, like Prometheus', () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.5, count: 90 },
      { le: 1, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.3);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.75);
  });

  it('answers the largest finite bound for a rank in +Inf and null when empty', () => {
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 10 },
      ]),
    ).toBe(1);
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }])).toBeNull();
  });
});

describe('SnapshotBuilder', () => {
  it('reports latency percentiles per resource and operation over the last interval only', async () => {
    const { registry, build } = setup();
    const h = new Histogram({
      name: 'stator_db_query_duration_seconds',
      help: 'query time',
      labelNames: ['resource', 'operation'],
      buckets: [0.01, 0.1, 1, 10],
      registers: [registry],
    });
    for (let i = 0; i < 100; i++) h.observe({ resource: 'database', operation: 'select' }, 0.005);
    const first = await build(60_000);
    expect(first.latency).toEqual([expect.objectContaining({ resource: 'database', operation: 'select', count: 100 })]);
    expect(first.latency[0]?.p95).toBeLessThanOrEqual(0.01);

    for (let i = 0; i < 10; i++) h.observe({ resource: 'database', operation: 'select' }, 5);
    const second = await build(120_000);
    expect(second.intervalMs).toBe(60_000);
    expect(second.latency[0]?.count).toBe(10);
    expect(second.latency[0]?.p50).toBeGreaterThan(1); // the fast queries of the first interval no longer count

    const third = await build(180_000);
    expect(third.latency[0]).toMatchObject({ count: 0, p50: null, p95: null, p99: null });
  });

  it('reads summaries quantiles as they are and names operations from the metric when unlabelled', async () => {
    const { registry, build } = setup();
    const s = new Summary({
      name: 'stator_cache_get_duration_seconds',
      help: 'get',
      percentiles: [0.5, 0.95, 0.99],
      registers: [registry],
    });
    s.observe(0.002);
    const m = await build(1000);
    expect(m.latency[0]).toMatchObject({ resource: 'cache', operation: 'get', count: 1, p95: 0.002 });
  });

  it('computes the error rate over the interval, by kind and by resource', async () => {
    const { registry, build } = setup();
    const ops = new Counter({ name: 'stator_cache_operations_total', help: 'ops', registers: [registry] });
    const errors = new Counter({
      name: 'stator_cache_errors_total',
      help: 'errors',
      labelNames: ['kind'],
      registers: [registry],
    });
    ops.inc(100);
    errors.inc({ kind: 'timeout' }, 5);
    errors.inc({ kind: 'connection' }, 5);
    const first = await build(1000);
    expect(first.errors).toMatchObject({
      operations: 100,
      errors: 10,
      rate: 0.1,
      byKind: { timeout: 5, connection: 5 },
    });
    expect(first.errors.byResource).toEqual([{ resource: 'cache', operations: 100, errors: 10, rate: 0.1 }]);
    ops.inc(100);
    const second = await build(2000);
    expect(second.errors).toMatchObject({ operations: 100, errors: 0, rate: 0 });
  });

  it('counts latency observations as operations when a resource has no operations counter', async () => {
    const { registry, build } = setup();
    const h = new Histogram({
      name: 'stator_db_query_duration_seconds',
      help: 'q',
      buckets: [1],
      registers: [registry],
    });
    const errors = new Counter({
      name: 'stator_db_errors_total',
      help: 'e',
      labelNames: ['kind'],
      registers: [registry],
    });
    for (let i = 0; i < 4; i++) h.observe(0.1);
    errors.inc({ kind: 'deadlock' });
    expect((await build(1000)).errors).toMatchObject({ operations: 4, errors: 1, rate: 0.25 });
  });

  it('computes the cache hit ratio from hit and miss counters', async () => {
    const { registry, build } = setup();
    const hits = new Counter({ name: 'stator_cache_hits_total', help: 'h', registers: [registry] });
    const misses = new Counter({ name: 'stator_cache_misses_total', help: 'm', registers: [registry] });
    hits.inc(3);
    misses.inc(1);
    expect((await build(1000)).cache).toEqual({ hits: 3, misses: 1, hitRatio: 0.75 });
    expect((await build(2000)).cache).toEqual({ hits: 0, misses: 0, hitRatio: null });
  });

  it('reads pools and breakers from gauges and from layer details, details winning', async () => {
    const { registry, build } = setup();
    const conns = new Gauge({
      name: 'stator_pool_connections',
      help: 'c',
      labelNames: ['pool', 'state'],
      registers: [registry],
    });
    conns.set({ pool: 'database', state: 'idle' }, 2);
    conns.set({ pool: 'database', state: 'busy' }, 8);
    conns.set({ pool: 'database', state: 'max' }, 10);
    const breaker = new Gauge({
      name: 'stator_resilience_breaker_state',
      help: 'b',
      labelNames: ['breaker'],
      registers: [registry],
    });
    breaker.set({ breaker: 'cache' }, 2);
    const m = await build(1000, [
      {
        name: 'reports',
        details: () => ({ pool: { total: 4, idle: 1, busy: 3, pending: 2, max: 4 }, breaker: { state: 'halfOpen' } }),
      },
      {
        name: 'broken',
        details: () => {
          throw new Error('no');
        },
      },
    ]);
    expect(m.pools).toEqual([
      { resource: 'database', total: 10, idle: 2, busy: 8, pending: 0, utilization: 0.8 },
      { resource: 'reports', total: 4, idle: 1, busy: 3, pending: 2, utilization: 0.75 },
    ]);
    expect(m.breakers).toEqual([
      { name: 'cache', state: 'open' },
      { name: 'reports', state: 'halfOpen' },
    ]);
  });

  it('lists every sample by series key except histogram buckets', async () => {
    const { registry, build } = setup();
    new Gauge({ name: 'app_queue_depth', help: 'q', labelNames: ['queue'], registers: [registry] }).set(
      { queue: 'mail' },
      7,
    );
    new Histogram({ name: 'app_job_seconds', help: 'j', buckets: [1], registers: [registry] }).observe(0.5);
    const m = await build(1000);
    expect(m.values['app_queue_depth{queue="mail"}']).toBe(7);
    expect(m.values.app_job_seconds_count).toBe(1);
    expect(Object.keys(m.values).some((k) => k.includes('_bucket'))).toBe(false);
  });

  it('counts each resource once when the resilience pipeline and the capability both count its calls', async () => {
    const { registry, build } = setup();
    const calls = new Counter({
      name: 'stator_resilience_calls_total',
      help: 'c',
      labelNames: ['resource', 'outcome'],
      registers: [registry],
    });
    const rErrors = new Counter({
      name: 'stator_resilience_errors_total',
      help: 'e',
      labelNames: ['resource', 'kind'],
      registers: [registry],
    });
    const cErrors = new Counter({
      name: 'stator_cache_errors_total',
      help: 'e',
      labelNames: ['driver', 'kind'],
      registers: [registry],
    });
    const queries = new Counter({
      name: 'stator_database_queries_total',
      help: 'q',
      labelNames: ['resource'],
      registers: [registry],
    });
    const slow = new Counter({
      name: 'stator_database_slow_queries_total',
      help: 's',
      labelNames: ['resource'],
      registers: [registry],
    });
    calls.inc({ resource: 'cache', outcome: 'success' }, 18);
    calls.inc({ resource: 'cache', outcome: 'failure' }, 2);
    rErrors.inc({ resource: 'cache', kind: 'timeout' }, 2);
    cErrors.inc({ driver: 'redis', kind: 'timeout' }, 2);
    queries.inc({ resource: 'database' }, 30);
    slow.inc({ resource: 'database' }, 30);
    const m = await build(1000);
    expect(m.errors.byResource).toEqual([
      { resource: 'cache', operations: 20, errors: 2, rate: 0.1 },
      { resource: 'database', operations: 30, errors: 0, rate: 0 },
    ]);
    expect(m.errors.byKind).toEqual({ timeout: 2 });
  });

  it("counts the database once in the runtime's real mix: health checks through the pipeline, queries and their errors from the capability", async () => {
    const { registry, build } = setup();
    // As src/resilience and src/database/database-metrics.ts register them.
    const calls = new Counter({
      name: 'stator_resilience_calls_total',
      help: 'c',
      labelNames: ['resource', 'outcome'],
      registers: [registry],
    });
    const queries = new Counter({
      name: 'stator_database_queries_total',
      help: 'q',
      labelNames: ['resource', 'driver'],
      registers: [registry],
    });
    const qErrors = new Counter({
      name: 'stator_database_query_errors_total',
      help: 'e',
      labelNames: ['resource', 'driver', 'kind'],
      registers: [registry],
    });
    const durations = new Histogram({
      name: 'stator_database_query_duration_seconds',
      help: 'd',
      labelNames: ['resource', 'driver'],
      buckets: [0.01, 0.1],
      registers: [registry],
    });
    calls.inc({ resource: 'database', outcome: 'success' }, 6); // the health checks
    queries.inc({ resource: 'database', driver: 'pg' }, 10_000);
    qErrors.inc({ resource: 'database', driver: 'pg', kind: 'other' }, 1);
    for (let i = 0; i < 10_000; i++) durations.observe({ resource: 'database', driver: 'pg' }, 0.005);
    const m = await build(1000);
    // 1 failed query in 10,000: a rate of 0.0001, not 1 error over 6 health checks (0.167).
    expect(m.errors.byResource).toEqual([{ resource: 'database', operations: 10_000, errors: 1, rate: 0.0001 }]);
    expect({ operations: m.errors.operations, errors: m.errors.errors, rate: m.errors.rate }).toEqual({
      operations: 10_000,
      errors: 1,
      rate: 0.0001,
    });
  });

  it('reads the pool gauges of src/pool (states, pending acquires, max)', async () => {
    const { registry, build } = setup();
    const conns = new Gauge({
      name: 'stator_pool_connections',
      help: 'c',
      labelNames: ['pool', 'state'],
      registers: [registry],
    });
    for (const [state, n] of [
      ['idle', 1],
      ['busy', 6],
      ['creating', 1],
      ['validating', 0],
      ['retiring', 0],
    ] as const)
      conns.set({ pool: 'database', state }, n);
    new Gauge({ name: 'stator_pool_pending_acquires', help: 'p', labelNames: ['pool'], registers: [registry] }).set(
      { pool: 'database' },
      3,
    );
    new Gauge({ name: 'stator_pool_max_connections', help: 'm', labelNames: ['pool'], registers: [registry] }).set(
      { pool: 'database' },
      8,
    );
    expect((await build(1000)).pools).toEqual([
      { resource: 'database', total: 8, idle: 1, busy: 6, pending: 3, utilization: 0.75 },
    ]);
  });
});
