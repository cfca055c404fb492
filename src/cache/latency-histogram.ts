/**
 * Upper bounds (seconds) of the latency buckets: from 50 µs (memory, a local Redis) to 10 s.
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * A latency histogram as plain numbers: observing costs a short scan and two additions, no
 * label hashing and no allocation, so it can sit on the cache's hot path. prom-client reads it
 * at scrape time (see {@link CacheMetrics}).
 */
export class LatencyHistogram {
  /** Non-cumulative counts per bucket; the last slot counts values above every bound. */
  public readonly counts: Float64Array;
  public sum = 0;
  public count = 0;

  public constructor(public readonly bounds: readonly number[] = LATENCY_BUCKETS) {
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
