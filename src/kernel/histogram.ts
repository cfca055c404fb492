import type { Metric } from 'prom-client';

/** Upper bounds (seconds) from 50 µs (memory, a local Redis) to 30 s: cache calls, queries and pool acquires. */
export const DURATION_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * A duration histogram as plain numbers: observing costs a short scan and two additions, no
 * label hashing and no allocation, so it can sit on a hot path (a cache call, a query, a pool
 * acquire). prom-client reads it at scrape time through {@link scrapeTimeHistogram}. Stator's one
 * histogram: the cache, the pool and the database all count durations with it.
 */
export class DurationHistogram {
  /** Non-cumulative counts per bucket; the last slot counts values above every bound. */
  public readonly counts: Float64Array;
  public sum = 0;
  public count = 0;

  public constructor(public readonly bounds: readonly number[] = DURATION_BUCKETS) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one duration in seconds. */
  public observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += seconds;
    this.count++;
  }

  /** Cumulative counts per bound, as Prometheus wants them (`le`), ending with `+Inf`. */
  public cumulative(): Array<{ le: number | '+Inf'; count: number }> {
    const out: Array<{ le: number | '+Inf'; count: number }> = [];
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i] as number;
      out.push({ le: this.bounds[i] as number, count: acc });
    }
    out.push({ le: '+Inf', count: this.count });
    return out;
  }
}

/** One labelled series of a {@link scrapeTimeHistogram}. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly histogram: DurationHistogram;
}

interface MetricValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A prom-client metric that reads {@link DurationHistogram}s when scraped: register it with
 * `registry.registerMetric(...)`. Series with no observation are left out.
 *
 * @example
 * ```ts
 * registry.registerMetric(scrapeTimeHistogram('stator_pool_acquire_duration_seconds', 'Time to a lease.',
 *   () => pools.map((p) => ({ labels: { pool: p.name }, histogram: p.acquireTimes }))));
 * ```
 */
export function scrapeTimeHistogram(name: string, help: string, series: () => Iterable<HistogramSeries>): Metric {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    reset(): void {},
    async get() {
      const values: MetricValue[] = [];
      for (const { labels, histogram } of series()) {
        if (histogram.count === 0) continue;
        for (const { le, count } of histogram.cumulative())
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: count });
        values.push({ metricName: `${name}_sum`, labels: { ...labels }, value: histogram.sum });
        values.push({ metricName: `${name}_count`, labels: { ...labels }, value: histogram.count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  // prom-client's `Metric` is a union of its classes; the registry needs only name, help, type,
  // aggregator, reset() and get(), which this object has (its `type` is the enum's string value).
  return metric as unknown as Metric;
}
