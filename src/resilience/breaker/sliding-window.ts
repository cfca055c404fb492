/**
 * The breaker's per-call counting: a time-based sliding window of `buckets` ring buckets,
 * each `windowMs / buckets` long, with running totals.
 *
 * Recording a call is O(1) whatever the number of calls in the window: increment the current
 * bucket and the totals. When time moves past the current bucket, the oldest bucket's counts
 * are subtracted from the totals and it is reused — at most `buckets` steps, however long the
 * idle gap. No per-call allocation, no stored latencies, no sorting (opossum keeps every
 * latency and sorts them on each failure; this keeps three counters per bucket).
 *
 * The window therefore covers between `windowMs − bucketMs` and `windowMs` of history.
 */
export class SlidingWindow {
  /** Calls, failures and slow calls in the window. */
  public calls = 0;
  public failures = 0;
  public slow = 0;

  private readonly bucketCalls: Float64Array;
  private readonly bucketFailures: Float64Array;
  private readonly bucketSlow: Float64Array;
  private readonly bucketMs: number;
  private head = 0;
  /** Clock time at which the current (head) bucket ends. */
  private headEnd: number;

  public constructor(
    windowMs: number,
    private readonly buckets: number,
    now: number,
  ) {
    const n = Math.max(1, Math.floor(buckets));
    this.buckets = n;
    this.bucketMs = Math.max(1, windowMs / n);
    this.bucketCalls = new Float64Array(n);
    this.bucketFailures = new Float64Array(n);
    this.bucketSlow = new Float64Array(n);
    this.headEnd = now + this.bucketMs;
  }

  /** Counts a call that ended at `now`. */
  public record(now: number, failed: boolean, slow: boolean): void {
    if (now >= this.headEnd) this.advance(now);
    const h = this.head;
    this.bucketCalls[h]! += 1;
    this.calls += 1;
    if (failed) {
      this.bucketFailures[h]! += 1;
      this.failures += 1;
    }
    if (slow) {
      this.bucketSlow[h]! += 1;
      this.slow += 1;
    }
  }

  /** Ages out the buckets that ended before `now` (call before reading the totals). */
  public advance(now: number): void {
    if (now < this.headEnd) return;
    const behind = Math.floor((now - this.headEnd) / this.bucketMs) + 1;
    if (behind >= this.buckets) {
      this.clear(now);
      return;
    }
    for (let i = 0; i < behind; i++) {
      this.head = (this.head + 1) % this.buckets;
      const h = this.head;
      this.calls -= this.bucketCalls[h]!;
      this.failures -= this.bucketFailures[h]!;
      this.slow -= this.bucketSlow[h]!;
      this.bucketCalls[h] = 0;
      this.bucketFailures[h] = 0;
      this.bucketSlow[h] = 0;
    }
    this.headEnd += behind * this.bucketMs;
  }

  /** Forgets every call (on close, reset, or after an idle gap longer than the window). */
  public clear(now: number): void {
    this.bucketCalls.fill(0);
    this.bucketFailures.fill(0);
    this.bucketSlow.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
    this.head = 0;
    this.headEnd = now + this.bucketMs;
  }
}
