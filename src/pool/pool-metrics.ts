import { Counter, Gauge, type Registry } from 'prom-client';
import { scrapeTimeHistogram, type DurationHistogram } from '../kernel/histogram.js';
import type { ConnectionPoolStats } from './pool-stats.js';

/** What a pool shows the metrics collector: its counters, read only when scraped. */
export interface PoolMetricSource {
  readonly name: string;
  stats(): ConnectionPoolStats;
  readonly acquireTimes: DurationHistogram;
}

type CounterKey = 'acquires' | 'timeouts' | 'createFailures' | 'leaks' | 'created' | 'retired' | 'purges';

const COUNTERS: ReadonlyArray<readonly [string, CounterKey, string]> = [
  ['stator_pool_acquires_total', 'acquires', 'Leases handed out.'],
  ['stator_pool_acquire_timeouts_total', 'timeouts', 'Acquires that gave up with POOL_TIMEOUT.'],
  ['stator_pool_create_failures_total', 'createFailures', 'Connections that could not be opened.'],
  ['stator_pool_leaks_total', 'leaks', 'Leases held longer than leak_threshold.'],
  ['stator_pool_connections_created_total', 'created', 'Connections opened.'],
  [
    'stator_pool_connections_retired_total',
    'retired',
    'Connections retired (idle timeout, lifetime, broken, invalid, drain, purge).',
  ],
  ['stator_pool_purges_total', 'purges', 'Calls of purge(): every connection replaced.'],
];

const GAUGE_STATES = ['idle', 'busy', 'creating', 'validating', 'retiring'] as const;

/** One set of metrics per registry, shared by every pool registered on it (label `pool`). */
const sourcesByRegistry = new WeakMap<Registry, Set<PoolMetricSource>>();

/**
 * Exposes a pool's counters on `registry`: `stator_pool_connections{pool,state}`,
 * `stator_pool_pending_acquires{pool}`, `stator_pool_max_connections{pool}`,
 * `stator_pool_acquire_duration_seconds{pool}` (histogram) and the `*_total` counters above.
 * Values are read from the pool when scraped; the pool itself only bumps plain numbers.
 * Returns a function that removes the pool (on close).
 */
export function registerPoolMetrics(registry: Registry, source: PoolMetricSource): () => void {
  let sources = sourcesByRegistry.get(registry);
  if (!sources) {
    sources = new Set();
    sourcesByRegistry.set(registry, sources);
    defineMetrics(registry, sources);
  }
  sources.add(source);
  const set = sources;
  return () => {
    set.delete(source);
  };
}

function defineMetrics(registry: Registry, sources: Set<PoolMetricSource>): void {
  new Gauge({
    name: 'stator_pool_connections',
    help: 'Pooled connections by state.',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources) {
        const stats = s.stats();
        for (const state of GAUGE_STATES) this.set({ pool: s.name, state }, stats[state]);
      }
    },
  });
  new Gauge({
    name: 'stator_pool_pending_acquires',
    help: 'Acquires waiting for a connection.',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources) this.set({ pool: s.name }, s.stats().pending);
    },
  });
  new Gauge({
    name: 'stator_pool_max_connections',
    help: 'The pool size limit (max_connections).',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources) this.set({ pool: s.name }, s.stats().max);
    },
  });
  for (const [name, key, help] of COUNTERS) registry.registerMetric(new StatsCounter(name, help, key, sources));
  registry.registerMetric(
    scrapeTimeHistogram('stator_pool_acquire_duration_seconds', 'Time from acquire() to a lease, in seconds.', () =>
      [...sources].map((s) => ({ labels: { pool: s.name }, histogram: s.acquireTimes })),
    ),
  );
}

/** A counter whose value is read from each pool's stats when scraped. */
class StatsCounter extends Counter<'pool'> {
  public constructor(
    name: string,
    help: string,
    private readonly key: CounterKey,
    private readonly sources: Set<PoolMetricSource>,
  ) {
    super({ name, help, labelNames: ['pool'], registers: [] });
  }

  public override async get(): ReturnType<Counter<'pool'>['get']> {
    const base = await super.get();
    return {
      ...base,
      values: [...this.sources].map((s) => ({ labels: { pool: s.name }, value: s.stats()[this.key] })),
    };
  }
}
