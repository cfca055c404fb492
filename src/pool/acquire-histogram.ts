/** Upper bounds (seconds) of the acquire-time buckets. */
export const ACQUIRE_BUCKETS: readonly number[] = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30];

/**
 * Acquire times as plain counters: one array increment per acquire, no prom-client call on the
 * hot path. {@link PoolMetrics} turns it into a Prometheus histogram when scraped.
 */
export class AcquireHistogram {
  /** Non-cumulative count per bucket; the last slot is +Inf. */
  public readonly counts: number[] = new Array<number>(ACQUIRE_BUCKETS.length + 1).fill(0);
  public count = 0;
  public sum = 0;

  /** An acquire served at once from the free list. */
  public observeImmediate(): void {
    this.counts[0]!++;
    this.count++;
  }

  public observe(seconds: number): void {
    let i = 0;
    while (i < ACQUIRE_BUCKETS.length && seconds > ACQUIRE_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += seconds;
  }

  /** Cumulative counts per bucket bound, the last being +Inf (Prometheus `le` semantics). */
  public cumulative(): number[] {
    let running = 0;
    return this.counts.map((c) => (running += c));
  }
}
