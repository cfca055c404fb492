/**
 * A counting semaphore for `max_concurrent` alone, in process: a call takes a slot if one is
 * free, otherwise waits its turn (first come, first served); a finishing call hands its slot to
 * the next waiter.
 *
 * Why not bottleneck here: bottleneck schedules every job through timers (`setTimeout(…, 0)`
 * hops), which measured about 7 ms per call on an idle limiter (`npm run bench -- pipeline`). A
 * free slot here costs a comparison and an increment. Bottleneck still does what needs its
 * machinery: `min_time`, reservoirs, and limits shared through Redis.
 */
export class ConcurrencyGate {
  /** Calls holding a slot. */
  public running = 0;
  private readonly waiting: (() => void)[] = [];

  public constructor(private readonly max: number) {}

  /** Calls waiting for a slot. */
  public get queued(): number {
    return this.waiting.length;
  }

  /**
   * Runs `job` in a slot; its result or rejection passes through unchanged. An abort of `signal`
   * while the call waits for a slot gives up its place and rejects with the signal's reason.
   */
  public schedule<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running < this.max) {
      this.running++;
      return this.start(job);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(take);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const take = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(take);
      signal?.addEventListener('abort', onAbort, { once: true });
    }).then(() => this.start(job));
  }

  private async start<T>(job: () => Promise<T>): Promise<T> {
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
