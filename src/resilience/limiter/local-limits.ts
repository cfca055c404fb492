import { sleep, type Clock } from '../../kernel/clock.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import type { LimitSettings } from './limit-settings.js';

/** How long a call waits before looking again at a reservoir that is empty and never refreshed. */
const EMPTY_POLL_MS = 1_000;

/**
 * A resource's limits in this process, for `min_time` and reservoirs (with or without
 * `max_concurrent`): the reservoir is a number refreshed from the clock when a call looks at it,
 * and `min_time` is the clock time the next call may start. A call that may start now costs a
 * clock read and two comparisons: no timer, no queue. A timer exists only while a call waits (its
 * own sleep on the clock, cut short by its signal). Waiting calls are not ordered among
 * themselves (bottleneck kept a FIFO queue; that queue and its timers were what each call paid).
 */
export class LocalLimits {
  private readonly gate: ConcurrencyGate | undefined;
  private left: number | undefined;
  private refreshedAt: number;
  private nextStart = Number.NEGATIVE_INFINITY;
  public waiting = 0;

  public constructor(
    private readonly settings: LimitSettings,
    private readonly clock: Clock,
  ) {
    this.gate = settings.maxConcurrent !== undefined ? new ConcurrencyGate(settings.maxConcurrent) : undefined;
    this.left = settings.reservoir;
    this.refreshedAt = clock.now();
  }

  /** Calls running and waiting (for a slot, the reservoir or min_time). */
  public counts(): { queued: number; running: number } {
    return { queued: this.waiting + (this.gate?.queued ?? 0), running: this.gate?.running ?? 0 };
  }

  /** Runs `job` once every limit allows; `signal` gives up waiting. */
  public schedule<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const start = (): Promise<T> => (this.take() === 0 ? job() : this.waitThen(job, signal));
    return this.gate ? this.gate.schedule(start, signal) : start();
  }

  private async waitThen<T>(job: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    this.waiting++;
    try {
      for (let wait = this.take(); wait !== 0; wait = this.take()) await sleep(this.clock, wait, signal);
    } finally {
      this.waiting--;
    }
    return job();
  }

  /** 0 when a call may start now (its share is taken), otherwise the milliseconds to wait. */
  private take(): number {
    const now = this.clock.now();
    const { minTimeMs, reservoirRefreshIntervalMs: every } = this.settings;
    if (minTimeMs > 0 && now < this.nextStart) return this.nextStart - now;
    if (this.left !== undefined) {
      if (every !== undefined && every > 0 && now >= this.refreshedAt + every) {
        this.refreshedAt += Math.floor((now - this.refreshedAt) / every) * every;
        this.left = this.settings.reservoirRefreshAmount ?? this.settings.reservoir ?? 0;
      }
      if (this.left <= 0) return every !== undefined && every > 0 ? this.refreshedAt + every - now : EMPTY_POLL_MS;
      this.left--;
    }
    if (minTimeMs > 0) this.nextStart = now + minTimeMs;
    return 0;
  }
}
