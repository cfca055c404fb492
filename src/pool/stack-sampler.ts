import type { Clock } from '../kernel/clock.js';

/**
 * Clock time between two recorded stacks in `sampled` mode: at most 10 a second. A capture cost
 * 83 µs on average at 20 frames in a knex query's acquire at concurrency 16, so 100 a second
 * took 1–2% of the client's CPU at full load; ten still catch a code path that runs often
 * enough to leak.
 */
export const SAMPLE_INTERVAL_MS = 100;

/** When the acquiring stack is recorded: see `PoolOptions.captureStacks`. */
export type StackCapture = 'sampled' | 'always' | 'never';

/** How long every stack is recorded after a suspicion (a leak report, a timeout). */
export const SUSPICION_MS = 300_000;

/**
 * When to record a caller's stack (`connection_pool.capture_stacks`). Recording one is dear: in
 * a knex promise chain under load, `Error.captureStackTrace` took 8–15 µs even for one frame
 * (83 µs at 20 frames), about 5% of a one-statement transaction's client CPU. So by default
 * (`sampled`) at most one caller per `intervalMs` of clock time is recorded (a code path that
 * leaks or holds connections runs often enough to be caught), and every one for five minutes
 * after {@link StackSampler.suspect}. `always` records every one; `never` none.
 */
export class StackSampler {
  private nextAt = Number.NEGATIVE_INFINITY;
  private allUntil = Number.NEGATIVE_INFINITY;

  public constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly mode: StackCapture,
    private readonly intervalMs: number,
  ) {}

  /** Whether to record this caller's stack; in `sampled` mode, claims the slot when it says yes. */
  public wants(): boolean {
    if (this.mode !== 'sampled') return this.mode === 'always';
    const now = this.clock.now();
    if (now < this.nextAt && now >= this.allUntil) return false;
    this.nextAt = now + this.intervalMs;
    return true;
  }

  /** Something went wrong (a leak, a timeout): record every stack for {@link SUSPICION_MS}. */
  public suspect(now: number): void {
    this.allUntil = now + SUSPICION_MS;
  }
}
