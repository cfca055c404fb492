import type { Observable } from 'rxjs';
import { PoolClosedError } from '../errors/pool-closed-error.js';
import { PoolCreateFailedError } from '../errors/pool-create-failed-error.js';
import { PoolTimeoutError } from '../errors/pool-timeout-error.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth } from '../kernel/layer.js';
import { DurationHistogram } from '../kernel/histogram.js';
import type { AcquireSite } from './acquire-site.js';
import type { AcquireQueue } from './acquire-queue.js';
import type { ConnectionAge } from './connection-age.js';
import type { Lease } from './lease.js';
import type { LeakReports } from './leak-reports.js';
import { PoolLease, type LeaseOwner } from './pool-lease.js';
import type { AcquireOptions, CloseOptions, Pool } from './pool.js';
import { registerPoolMetrics, type PoolMetricSource } from './pool-metrics.js';
import type { PoolOptions } from './pool-options.js';
import type { PoolState, ConnectionPoolStats } from './pool-stats.js';
import type { PooledConnection } from './pooled-connection.js';
import { PoolConnections } from './pool-connections.js';
import type { PoolDrain } from './pool-drain.js';
import { Housekeeping } from './pool-housekeeping.js';
import type { PoolRecovery } from './pool-recovery.js';
import type { PoolPurge, PurgeReport } from './purge.js';

/**
 * The implementation behind {@link createPool}. Read {@link Pool} first; this file is the how:
 * - fast path: the top of a LIFO free list is lent at once when it is fresh (not broken, not
 *   expired, used or validated within `validation_interval`), with no timer and no machine event;
 * - otherwise the acquire queues (FIFO) and {@link ConnectionPool.serve} validates free
 *   connections, or opens new ones up to `max`, for the queue;
 * - one housekeeping timer on `ctx.clock`, armed for the earliest deadline (idle timeout,
 *   lifetime, validation, leak threshold), does all periodic work.
 *
 * It lends; {@link PoolConnections}, which it extends, opens, validates and retires connections.
 * The parts beside it: {@link AcquireQueue} (waiters, timeouts, abort), {@link ConnectionAge}
 * (fresh, validate, retire), {@link Housekeeping} (the periodic sweep), {@link LeakReports},
 * {@link PoolRecovery} (probing while the resource is down), {@link PoolPurge} (purge
 * generations) and {@link PoolDrain} (what close waits for).
 */
export class ConnectionPool<C> extends PoolConnections<C> implements Pool<C>, PoolMetricSource, LeaseOwner<C> {
  public readonly acquireTimes = new DurationHistogram();
  public readonly health$: Observable<LayerHealth>;
  private readonly housekeeping: Housekeeping<C>;
  private closing: Promise<void> | undefined;
  private readonly unregisterMetrics: () => void;

  public constructor(ctx: RuntimeContext, options: PoolOptions<C>) {
    super(ctx, options);
    this.health$ = this.healthState.health$;
    this.housekeeping = new Housekeeping(ctx.clock, {
      free: this.free,
      age: this.age,
      leaks: this.leaks,
      min: this.o.min,
      isOpen: () => !this.closingOrClosed(),
      openCount: () => this.openCount(),
      retire: (c, reason, error) => this.retire(c, reason, error),
      validate: (c) => this.validate(c),
      refill: () => {
        this.ensureMinimum();
        this.serve();
      },
    });
    this.unregisterMetrics = registerPoolMetrics(ctx.metrics, this);
    this.ensureMinimum();
  }

  public get state(): PoolState {
    return this.poolState;
  }

  // ── acquire / release ────────────────────────────────────────────────────────────────────

  public acquire(options?: AcquireOptions): Promise<Lease<C>> {
    if (this.poolState !== 'open') return Promise.reject(this.unavailableError());
    if (options?.signal?.aborted) return Promise.reject(options.signal.reason);
    const site = this.leaks.acquireSite();
    if (this.waiters.length === 0 && this.free.length > 0) {
      const now = this.ctx.clock.now();
      const top = this.free[this.free.length - 1]!;
      if (this.age.isFresh(top, now)) {
        this.free.pop();
        this.acquireTimes.observe(0);
        return Promise.resolve(this.lend(top, now, site));
      }
    }
    const waiting = this.waiters.enqueue(options?.signal, options?.timeoutMs ?? this.o.acquireTimeoutMs, site);
    this.serve();
    return waiting;
  }

  public async use<T>(fn: (connection: C) => Promise<T> | T, options?: AcquireOptions): Promise<T> {
    const lease = await this.acquire(options);
    try {
      return await fn(lease.connection);
    } finally {
      lease.release();
    }
  }

  /** Called by {@link PoolLease}. */
  public releaseLease(lease: PoolLease<C>, retireReason?: string): void {
    const c = lease.record;
    if (c.lease !== lease) return; // the pool closed it under its holder
    c.lease = undefined;
    this.busyCount--;
    const now = this.ctx.clock.now();
    c.lastUsedAt = now;
    c.lastGoodAt = now;
    if (c.leakReported) this.leaks.reportReturn(c, lease, now);
    const reason = retireReason ?? (this.closingOrClosed() ? 'drain' : this.age.unusableReason(c, now));
    if (reason) {
      this.retire(c, reason, c.broken);
      this.serve();
      this.drain.check(this.busyCount);
      return;
    }
    if (this.lastCreateError) {
      this.lastCreateError = undefined;
      this.updateHealth();
    }
    this.dispatch(c);
  }

  private lend(c: PooledConnection<C>, now: number, site: AcquireSite | undefined): PoolLease<C> {
    c.state = 'busy';
    this.busyCount++;
    this.totals.acquires++;
    const lease = new PoolLease(this, c, c.resource as C, now, site);
    c.lease = lease;
    if (this.o.leakThresholdMs > 0) this.housekeeping.schedule(now + this.o.leakThresholdMs);
    return lease;
  }

  /** Hands an open, usable connection to the oldest waiter, or puts it on the free list. */
  protected dispatch(c: PooledConnection<C>): void {
    const w = this.waiters.shift();
    if (w) {
      this.acquireTimes.observe((performance.now() - w.startedAt) / 1000);
      w.resolve(this.lend(c, this.ctx.clock.now(), w.site));
      return;
    }
    c.state = 'idle';
    this.free.push(c);
    this.housekeeping.schedule(this.age.nextDeadline(c, true));
  }

  /** The error of an acquire that waited `timeoutMs` in vain; counts it and records stacks for a while. */
  protected timeoutError(timeoutMs: number, lentMeanwhile: number): Error {
    this.totals.timeouts++;
    this.leaks.suspect(this.ctx.clock.now());
    this.ctx.events.emit(this.source, 'acquire.timeout', {
      busy: this.busyCount,
      waiting: this.waiters.length,
      timeoutMs,
    });
    return new PoolTimeoutError({
      pool: this.name,
      timeoutMs,
      busy: this.busyCount,
      max: this.o.max,
      waiting: this.waiters.length,
      creating: this.creatingCount,
      lentWhileWaiting: lentMeanwhile,
      ...this.leaks.oldestLeases(),
    });
  }

  /**
   * Gives waiters what the pool has: free connections first (validated first when they sat idle
   * too long), then new connections up to `max`.
   */
  protected serve(): void {
    if (this.poolState !== 'open') return;
    const now = this.ctx.clock.now();
    while (this.waiters.length > this.validatingCount && this.free.length > 0) {
      const c = this.free.pop()!;
      const reason = this.age.unusableReason(c, now);
      if (reason) this.retire(c, reason, c.broken);
      else if (this.age.needsValidation(c, now)) this.validate(c);
      else this.dispatch(c);
    }
    let needed = this.waiters.length - this.creatingCount - this.validatingCount;
    while (needed-- > 0 && this.total() < this.o.max) this.create();
  }

  // ── recovery ─────────────────────────────────────────────────────────────────────────────

  protected startRecovering(error: unknown, message: string): void {
    this.poolState = 'recovering';
    for (const w of this.waiters.drain()) w.reject(new PoolCreateFailedError(this.name, message, { cause: error }));
    this.recovery.start(error, message);
    this.updateHealth();
  }

  // ── purge ────────────────────────────────────────────────────────────────────────────────

  /** See {@link Pool.purge}; the bookkeeping is {@link PoolPurge}. */
  public purge(): Promise<PurgeReport> {
    if (this.closingOrClosed()) return Promise.reject(new PoolClosedError(this.name));
    const done = this.purges.start(this.connections, this.ctx.clock.now());
    this.totals.purges++;
    const { idle, busy, creating, validating } = this.stats();
    this.ctx.logger.info(
      `pool ${this.name}: purge: every connection is replaced (${idle} idle now, ${busy} lent when given back)`,
      { pool: this.name },
    );
    this.ctx.events.emit(this.source, 'purge', { idle, busy, creating, validating });
    for (const c of [...this.free]) this.retire(c, 'purge');
    this.serve();
    return done.then((report) => {
      this.ctx.events.emit(this.source, 'purged', { ...report });
      return report;
    });
  }

  // ── close ────────────────────────────────────────────────────────────────────────────────

  public close(options?: CloseOptions): Promise<void> {
    this.closing ??= this.shutDown(options?.signal);
    return this.closing;
  }

  private async shutDown(signal: AbortSignal | undefined): Promise<void> {
    this.poolState = 'closing';
    this.housekeeping.cancel();
    this.recovery.cancel();
    this.closeController.abort(new PoolClosedError(this.name));
    for (const w of this.waiters.drain()) w.reject(new PoolClosedError(this.name));
    for (const c of [...this.free]) this.retire(c, 'drain');
    await this.drain.leasesBack(this.busyCount, signal);
    for (const c of [...this.connections]) {
      if (c.state !== 'busy') continue;
      c.lease = undefined;
      this.busyCount--;
      this.retire(c, 'drain');
    }
    await this.drain.settled();
    this.poolState = 'closed';
    this.unregisterMetrics();
    this.healthState.close(new PoolClosedError(this.name));
  }

  // ── views ────────────────────────────────────────────────────────────────────────────────

  public stats(): ConnectionPoolStats {
    return {
      name: this.name,
      state: this.poolState,
      total: this.total(),
      idle: this.free.length,
      busy: this.busyCount,
      pending: this.waiters.length,
      creating: this.creatingCount,
      validating: this.validatingCount,
      retiring: this.retiringCount,
      max: this.o.max,
      min: this.o.min,
      ...this.totals,
      leaks: this.leaks.count,
    };
  }

  public health(): LayerHealth {
    return this.healthState.current;
  }

  protected updateHealth(): void {
    let next: LayerHealth;
    if (this.poolState === 'recovering') {
      next = { status: 'down', error: this.unavailableError() };
    } else if (this.lastCreateError) {
      next = { status: 'degraded', reason: `could not open a connection: ${this.lastCreateError.message}` };
    } else {
      next = { status: 'up' };
    }
    this.healthState.set(next);
  }

  private unavailableError(): Error {
    return this.poolState === 'recovering' ? this.recovery.error() : new PoolClosedError(this.name);
  }
}
