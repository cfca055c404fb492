import { backoffDelay, type Backoff } from '../kernel/backoff.js';

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
  private probes = 0;
  private readonly backoff: Backoff;

  public constructor(initialDelayMs: number, maxDelayMs: number, random: () => number) {
    this.backoff = { kind: 'exponential', jitter: 'spread', baseMs: initialDelayMs, maxMs: maxDelayMs, random };
  }

  public start(now: number, cause: unknown, message: string): void {
    this.since = now;
    this.probes = 0;
    this.failed(cause, message);
  }

  /** Records the latest failure (the start's, or a probe's). */
  public failed(cause: unknown, message: string): void {
    this.cause = cause;
    this.message = message;
  }

  /** The delay until the next probe, which doubles the one after. */
  public nextDelay(now: number): number {
    this.probes += 1;
    const ms = Math.round(backoffDelay(this.backoff, this.probes, 0));
    this.probeAt = now + ms;
    return ms;
  }

  public reset(): void {
    this.probes = 0;
    this.timer = undefined;
    this.cause = undefined;
  }
}
