import { unrefTimer, type Clock } from '../kernel/clock.js';
import type { ConnectionAge } from './connection-age.js';
import type { LeakReports } from './leak-reports.js';
import type { PooledConnection } from './pooled-connection.js';

/** What {@link Housekeeping} works on: the pool's free list and the moves it may make on it. */
export interface HousekeepingHost<C> {
  /** Idle connections, least recently used first (the pool's own array). */
  readonly free: PooledConnection<C>[];
  readonly age: ConnectionAge<C>;
  readonly leaks: LeakReports<C>;
  /** `min_connections`. */
  readonly min: number;
  /** False once the pool is closing. */
  isOpen(): boolean;
  /** Open connections (idle, lent, being validated). */
  openCount(): number;
  retire(c: PooledConnection<C>, reason: string, error?: unknown): void;
  /** Validates a connection already taken off the free list. */
  validate(c: PooledConnection<C>): void;
  /** Opens connections up to `min` and serves waiters. */
  refill(): void;
}

/**
 * The pool's periodic work on one timer of the pool's clock, armed for the earliest deadline
 * (idle timeout, max lifetime, validation interval, leak threshold): a sweep retires idle
 * connections that are unusable or idle too long (above `min`), validates those idle for
 * `validation_interval`, reports leases held past `leak_threshold`, then re-arms itself.
 */
export class Housekeeping<C> {
  private at = Number.POSITIVE_INFINITY;
  private timer: unknown;

  public constructor(
    private readonly clock: Clock,
    private readonly host: HousekeepingHost<C>,
  ) {}

  /** Makes sure a sweep runs at clock time `at` at the latest. */
  public schedule(at: number): void {
    if (at >= this.at || !Number.isFinite(at)) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.at = at;
    // The timer does not keep the process alive on its own.
    this.timer = this.clock.setTimeout(() => this.sweep(), Math.max(0, at - this.clock.now()));
    unrefTimer(this.timer);
  }

  /** Clears the timer (on close). */
  public cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
  }

  private sweep(): void {
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
    const { host } = this;
    if (!host.isOpen()) return;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    // Oldest-used first, so idle timeout retires the least recently used above min.
    for (const c of [...host.free]) {
      const reason = host.age.unusableReason(c, now);
      const idleTooLong = host.age.idleTooLong(c, now);
      if (reason) host.retire(c, reason, c.broken);
      else if (idleTooLong && host.openCount() > host.min) host.retire(c, 'idle_timeout');
      else if (host.age.needsValidation(c, now)) {
        host.free.splice(host.free.indexOf(c), 1);
        host.validate(c);
      } else next = Math.min(next, host.age.nextDeadline(c, !idleTooLong));
    }
    next = Math.min(next, host.leaks.check(now));
    host.refill();
    this.schedule(next);
  }
}
