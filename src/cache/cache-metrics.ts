import { Counter, Gauge, type Registry } from 'prom-client';
import type { ErrorKind } from '../resilience/index.js';
import { DurationHistogram, scrapeTimeHistogram } from '../kernel/histogram.js';

/** Operations timed by `stator_cache_operation_duration_seconds`. */
export type CacheOperation = 'get' | 'set' | 'delete' | 'has' | 'getMany' | 'setMany' | 'getOrSet' | 'invalidate';

const OPERATIONS: readonly CacheOperation[] = [
  'get',
  'set',
  'delete',
  'has',
  'getMany',
  'setMany',
  'getOrSet',
  'invalidate',
];

/**
 * One in this many synchronous calls (`get` and `set` on the memory driver) reads the clock: two
 * clock reads cost about a third of such a call. A power of two.
 */
export const SAMPLE_EVERY = 16;

/**
 * The duration histogram of a synchronous operation, timed on a sample of its calls: the first
 * and one in {@link SAMPLE_EVERY} after it are timed; each other call is counted and recorded
 * with the operation's latest timed duration (when the next call is timed, or when the
 * histogram is read). The count stays exact; the durations are a sample.
 */
export class SampledTimer {
  private calls = 0;
  private untimed = 0;
  private lastSeconds = 0;

  public constructor(private readonly histogram: DurationHistogram) {}

  /** The start of a call for {@link SampledTimer.end}: `performance.now()`, or -1 when it is not timed. */
  public start(): number {
    return (this.calls++ & (SAMPLE_EVERY - 1)) === 0 ? performance.now() : -1;
  }

  /** Records one call, given what {@link SampledTimer.start} returned. */
  public end(startedAt: number): void {
    if (startedAt < 0) {
      this.untimed++;
      return;
    }
    this.flush();
    const seconds = (performance.now() - startedAt) / 1000;
    this.lastSeconds = seconds;
    this.histogram.observe(seconds);
  }

  /** Records the untimed calls so far with the latest timed duration. */
  public flush(): void {
    const n = this.untimed;
    this.untimed = 0;
    for (let i = 0; i < n; i++) this.histogram.observe(this.lastSeconds);
  }
}

/** Where a read was answered from when the cache itself could not answer. */
export type CacheFallbackSource = 'local' | 'default';

/**
 * The cache's metrics, all labelled with `driver`:
 * - `stator_cache_hits_total`, `stator_cache_misses_total`, `stator_cache_hit_ratio`
 * - `stator_cache_operation_duration_seconds{operation}` (histogram)
 * - `stator_cache_errors_total{kind}`
 * - `stator_cache_fallbacks_total{source}`, `stator_cache_stale_served_total`,
 *   `stator_cache_loader_calls_total`, `stator_cache_invalidations_total{by}`
 *
 * Counting is plain arithmetic on the hot path; prom-client reads the numbers at scrape time
 * through `collect()` callbacks. Every call is counted in the duration histogram; the `get` and
 * `set` calls the memory driver answers synchronously are timed on a sample ({@link SampledTimer}).
 */
export class CacheMetrics {
  public hits = 0;
  public misses = 0;
  public staleServed = 0;
  public loaderCalls = 0;
  public readonly errors = new Map<ErrorKind, number>();
  public readonly fallbacks: Record<CacheFallbackSource, number> = { local: 0, default: 0 };
  public readonly invalidations: Record<'keys' | 'tags' | 'prefix', number> = { keys: 0, tags: 0, prefix: 0 };
  /** `get` as the memory driver answers it (synchronously), timed on a sample. */
  public readonly syncGet: SampledTimer;
  /** `set` as the memory driver stores it (synchronously), timed on a sample. */
  public readonly syncSet: SampledTimer;
  private readonly histograms: Readonly<Record<CacheOperation, DurationHistogram>>;

  public constructor(
    public readonly driver: string,
    registry?: Registry,
  ) {
    const latency = {} as Record<CacheOperation, DurationHistogram>;
    for (const op of OPERATIONS) latency[op] = new DurationHistogram();
    this.histograms = latency;
    this.syncGet = new SampledTimer(latency.get);
    this.syncSet = new SampledTimer(latency.set);
    if (registry) this.register(registry);
  }

  /** The duration histogram of each operation, every call counted. */
  public get latency(): Readonly<Record<CacheOperation, DurationHistogram>> {
    this.syncGet.flush();
    this.syncSet.flush();
    return this.histograms;
  }

  /** Records the duration of one operation, given its start from `performance.now()`. */
  public time(operation: CacheOperation, startedAt: number): void {
    this.histograms[operation].observe((performance.now() - startedAt) / 1000);
  }

  public error(kind: ErrorKind): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  /** Hits over lookups, 0 before the first lookup. */
  public get hitRatio(): number {
    const total = this.hits + this.misses;
    return total === 0 ? 0 : this.hits / total;
  }

  /** A plain snapshot, for `details()` and tests. */
  public snapshot(): Readonly<Record<string, unknown>> {
    return {
      hits: this.hits,
      misses: this.misses,
      hitRatio: this.hitRatio,
      staleServed: this.staleServed,
      loaderCalls: this.loaderCalls,
      errors: Object.fromEntries(this.errors),
      fallbacks: { ...this.fallbacks },
      invalidations: { ...this.invalidations },
    };
  }

  private register(registry: Registry): void {
    // One cache per Stator instance; a second layer on the same registry keeps its numbers
    // but does not export them.
    if (registry.getSingleMetric('stator_cache_hits_total')) return;
    const driver = this.driver;
    const counts = (name: string, help: string, label: string, read: () => Iterable<[string, number]>): void =>
      countersBy(registry, driver, name, help, label, read);
    const total = (name: string, help: string, read: () => number): void =>
      countersBy(registry, driver, name, help, undefined, () => [['', read()]]);
    total('stator_cache_hits_total', 'Cache lookups that found a fresh value.', () => this.hits);
    total(
      'stator_cache_misses_total',
      'Cache lookups that found nothing (or only a stale or negative entry).',
      () => this.misses,
    );
    total(
      'stator_cache_stale_served_total',
      'Stale values served while a background refresh ran.',
      () => this.staleServed,
    );
    total(
      'stator_cache_loader_calls_total',
      'getOrSet loader calls (misses, refreshes and calls while the cache was down).',
      () => this.loaderCalls,
    );
    ratioGauge(registry, driver, 'stator_cache_hit_ratio', 'Cache hits over lookups since start.', () => this.hitRatio);
    counts(
      'stator_cache_errors_total',
      "Cache operations that failed, by the error detector's kind (timeout, connection-refused, circuit-open, invalid-input, ...).",
      'kind',
      () => this.errors,
    );
    counts(
      'stator_cache_fallbacks_total',
      'Reads answered by the fallback chain because the cache could not answer, by source.',
      'source',
      () => Object.entries(this.fallbacks),
    );
    counts(
      'stator_cache_invalidations_total',
      'Invalidation requests, by what they named (keys, tags, prefix).',
      'by',
      () => Object.entries(this.invalidations),
    );
    registry.registerMetric(
      scrapeTimeHistogram(
        'stator_cache_operation_duration_seconds',
        'Duration of cache operations as seen by the caller, fallback included.',
        () =>
          Object.entries(this.latency).map(([operation, histogram]) => ({
            labels: { driver: this.driver, operation },
            histogram,
          })),
      ),
    );
  }
}

/**
 * A counter read at scrape time: `read()` gives the count of each value of `label` (with no
 * label, one count under the key `''`), always with the `driver` label.
 */
function countersBy(
  registry: Registry,
  driver: string,
  name: string,
  help: string,
  label: string | undefined,
  read: () => Iterable<[string, number]>,
): void {
  new Counter({
    name,
    help,
    labelNames: label ? ['driver', label] : ['driver'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of read()) this.inc(label ? { driver, [label]: value } : { driver }, n);
    },
  });
}

/** A gauge with the `driver` label, read at scrape time. */
function ratioGauge(registry: Registry, driver: string, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    labelNames: ['driver'],
    registers: [registry],
    collect() {
      this.set({ driver }, read());
    },
  });
}
