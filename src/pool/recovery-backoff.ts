/**
 * The state of a pool's recovery: since when the resource is down, why, and when the single
 * background probe tries next. Delays double from `initialDelayMs` up to `maxDelayMs`, each
 * with ±20% jitter so that many service instances do not reconnect in step.
 */
export class RecoveryBackoff {
  public since = 0;
  public probeAt = 0;
  public cause: unknown;
  public message = '';
  /** The pending probe timer, if any. */
  public timer: unknown;
  private delay: number;

  public constructor(
    private readonly initialDelayMs: number,
    private readonly maxDelayMs: number,
    private readonly random: () => number,
  ) {
    this.delay = initialDelayMs;
  }

  public start(now: number, cause: unknown, message: string): void {
    this.since = now;
    this.delay = this.initialDelayMs;
    this.failed(cause, message);
  }

  /** Records the latest failure (the start's, or a probe's). */
  public failed(cause: unknown, message: string): void {
    this.cause = cause;
    this.message = message;
  }

  /** The delay until the next probe, which doubles the one after. */
  public nextDelay(now: number): number {
    const ms = Math.round(this.delay * (0.8 + 0.4 * this.random()));
    this.delay = Math.min(this.delay * 2, this.maxDelayMs);
    this.probeAt = now + ms;
    return ms;
  }

  public reset(): void {
    this.delay = this.initialDelayMs;
    this.timer = undefined;
    this.cause = undefined;
  }
}
