import { setMaxListeners } from 'node:events';
import type { Observable } from 'rxjs';
import { connectionMachine } from '../../machines/connection.machine.js';
import { PoolClosedError } from '../errors/pool-closed-error.js';
import { PoolCreateFailedError } from '../errors/pool-create-failed-error.js';
import { PoolRecoveringError } from '../errors/pool-recovering-error.js';
import { PoolTimeoutError } from '../errors/pool-timeout-error.js';
import { startMachine } from '../kernel/actor.js';
import { unrefTimer } from '../kernel/clock.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth } from '../kernel/layer.js';
import { DurationHistogram } from '../kernel/histogram.js';
import type { AcquireSite } from './acquire-site.js';
import { AcquireQueue } from './acquire-queue.js';
import { ConnectionAge } from './connection-age.js';
import { watchConnection } from './connection-watch.js';
import type { Lease } from './lease.js';
import { LeakReports } from './leak-reports.js';
import { PoolLease, type LeaseOwner } from './pool-lease.js';
import type { AcquireOptions, CloseOptions, Pool } from './pool.js';
import { PoolHealth } from './pool-health.js';
import { registerPoolMetrics, type PoolMetricSource } from './pool-metrics.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './pool-options.js';
import type { PoolState, ConnectionPoolStats } from './pool-stats.js';
import { openConnection } from './open-connection.js';
import { PooledConnection } from './pooled-connection.js';
import { PoolPurge, type PurgeReport } from './purge.js';
import { RecoveryBackoff } from './recovery-backoff.js';

/**
 * The implementation behind {@link createPool}. Read {@link Pool} first; this file is the how:
 * - fast path: the top of a LIFO free list is lent at once when it is fresh (not broken, not
 *   expired, used or validated within `validation_interval`), with no timer and no machine event;
 * - otherwise the acquire queues (FIFO) and {@link ConnectionPool.serve} validates free
 *   connections, or opens new ones up to `max`, for the queue;
 * - one housekeeping timer on `ctx.clock`, armed for the earliest deadline (idle timeout,
 *   lifetime, validation, leak threshold), does all periodic work.
 */
export class ConnectionPool<C> implements Pool<C>, PoolMetricSource, LeaseOwner<C> {
  public readonly name: string;
  public readonly acquireTimes = new DurationHistogram();

  private readonly o: ResolvedPoolOptions<C>;
  private readonly source: string;
  private poolState: PoolState = 'open';
  private readonly connections = new Set<PooledConnection<C>>();
  /** Idle connections; the last one is the most recently used and is lent first. */
  private readonly free: PooledConnection<C>[] = [];
  private readonly waiters: AcquireQueue<C>;
  private readonly age: ConnectionAge<C>;
  private readonly leaks: LeakReports<C>;
  private readonly healthState = new PoolHealth();
  private busyCount = 0;
  private creatingCount = 0;
  private validatingCount = 0;
  private retiringCount = 0;
  private seq = 0;
  private readonly totals = { created: 0, retired: 0, createFailures: 0, timeouts: 0, acquires: 0, purges: 0 };
  private readonly purges = new PoolPurge();
  private housekeepingAt = Number.POSITIVE_INFINITY;
  private housekeepingTimer: unknown;
  /** The last create failure, until a create succeeds or a lease comes back: makes health `degraded`. */
  private lastCreateError: { readonly message: string } | undefined;
  private readonly recovery: RecoveryBackoff;
  public readonly health$: Observable<LayerHealth>;
  /** Creates, validations and destroys in flight, awaited by close(). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closeController = new AbortController();
  private closing: Promise<void> | undefined;
  private onDrained: (() => void) | undefined;
  private readonly unregisterMetrics: () => void;

  public constructor(
    private readonly ctx: RuntimeContext,
    options: PoolOptions<C>,
  ) {
    this.o = resolvePoolOptions(ctx.config.connection_pool, options);
    this.name = this.o.name;
    this.source = `pool.${this.name}`;
    this.recovery = new RecoveryBackoff(this.o.recoveryInitialDelayMs, this.o.recoveryMaxDelayMs, this.o.random);
    this.health$ = this.healthState.health$;
    this.age = new ConnectionAge(this.o, (c) => this.purges.outdated(c));
    this.leaks = new LeakReports(ctx, this.o, this.connections);
    this.waiters = new AcquireQueue(ctx.clock, (timeoutMs) => this.timeoutError(timeoutMs));
    // Each create in flight listens for close(): as many listeners as connections being opened,
    // which is no leak (Node would warn past 10).
    setMaxListeners(0, this.closeController.signal);
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
    const closing = this.poolState === 'closing' || this.poolState === 'closed';
    const reason = retireReason ?? (closing ? 'drain' : this.age.unusableReason(c, now));
    if (reason) {
      this.retire(c, reason, c.broken);
      this.serve();
      this.checkDrained();
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
    if (this.o.leakThresholdMs > 0) this.scheduleHousekeeping(now + this.o.leakThresholdMs);
    return lease;
  }

  /** Hands an open, usable connection to the oldest waiter, or puts it on the free list. */
  private dispatch(c: PooledConnection<C>): void {
    const w = this.waiters.shift();
    if (w) {
      this.acquireTimes.observe((performance.now() - w.startedAt) / 1000);
      w.resolve(this.lend(c, this.ctx.clock.now(), w.site));
      return;
    }
    c.state = 'idle';
    this.free.push(c);
    this.scheduleHousekeeping(this.age.nextDeadline(c, true));
  }

  /** The error of an acquire that waited `timeoutMs` in vain; counts it and records stacks for a while. */
  private timeoutError(timeoutMs: number): Error {
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
      ...this.leaks.oldestLeases(),
    });
  }

  /**
   * Gives waiters what the pool has: free connections first (validated first when they sat idle
   * too long), then new connections up to `max`.
   */
  private serve(): void {
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

  // ── connection lifecycle ─────────────────────────────────────────────────────────────────

  private create(): void {
    const id = `conn-${++this.seq}`;
    const now = this.ctx.clock.now();
    const actor = startMachine(this.ctx, connectionMachine, {
      source: `${this.source}/${id}`,
      input: { id },
      record: this.o.record,
    });
    const c = new PooledConnection<C>(id, actor, now, this.age.expiry(now), this.purges.generation);
    this.connections.add(c);
    this.creatingCount++;
    const open = {
      pool: this.name,
      factory: this.o.factory,
      clock: this.ctx.clock,
      timeoutMs: this.o.createTimeoutMs,
      closeSignal: this.closeController.signal,
    };
    this.track(
      openConnection(
        open,
        (resource) => this.created(c, resource),
        (error) => this.createFailed(c, error),
      ),
    );
  }

  private created(c: PooledConnection<C>, resource: C): void {
    this.creatingCount--;
    this.totals.created++;
    c.resource = resource;
    c.state = 'idle';
    c.actor.send({ type: 'CREATED' });
    if (this.poolState === 'closing' || this.poolState === 'closed') {
      this.retire(c, 'drain');
      return;
    }
    if (this.o.watchErrors) watchConnection(resource, (error) => this.onConnectionError(c, error));
    if (this.poolState === 'recovering') this.recovered();
    if (this.lastCreateError) this.lastCreateError = undefined;
    this.updateHealth();
    if (this.purges.outdated(c)) {
      this.retire(c, 'purge');
      this.serve();
      return;
    }
    this.dispatch(c);
    this.ensureMinimum();
  }

  private createFailed(c: PooledConnection<C>, error: unknown): void {
    this.creatingCount--;
    this.totals.createFailures++;
    this.connections.delete(c);
    c.state = 'closed';
    this.purges.closed(c, this.ctx.clock.now());
    const message = this.describe(error);
    c.actor.send({ type: 'CREATE_FAILED', error: message });
    if (this.poolState === 'closing' || this.poolState === 'closed') {
      this.checkDrained();
      return;
    }
    this.lastCreateError = { message };
    if (this.poolState === 'recovering') {
      this.recovery.failed(error, message);
      this.scheduleProbe();
      return;
    }
    if (this.openCount() === 0 && this.creatingCount === 0) {
      this.startRecovering(error, message);
      return;
    }
    this.waiters.shift()?.reject(new PoolCreateFailedError(this.name, message, { cause: error }));
    this.ctx.logger.warn(`pool ${this.name}: could not open a connection (${message})`, { pool: this.name });
    this.updateHealth();
  }

  private validate(c: PooledConnection<C>): void {
    c.state = 'validating';
    this.validatingCount++;
    c.actor.send({ type: 'VALIDATE' });
    const factory = this.o.factory;
    this.track(
      Promise.resolve()
        .then(() => (factory.validate ? factory.validate(c.resource as C) : true))
        .then(
          (ok) => ok === true,
          () => false,
        )
        .then((ok) => {
          this.validatingCount--;
          const now = this.ctx.clock.now();
          if (this.poolState === 'closing' || this.poolState === 'closed') {
            this.retire(c, 'drain');
            return;
          }
          const reason = ok ? this.age.unusableReason(c, now) : 'invalid';
          if (reason) {
            // A validation that said no is INVALID; a connection fine but outdated (purge, lifetime) is RETIREd with its reason.
            if (!ok) c.actor.send({ type: 'INVALID', reason });
            this.retire(c, reason, c.broken);
            this.serve();
            return;
          }
          c.lastGoodAt = now;
          c.actor.send({ type: 'VALID' });
          this.dispatch(c);
        }),
    );
  }

  /**
   * Closes a connection that is not lent (anymore). The machine hears `ERROR` when the
   * connection itself failed, `RETIRE` otherwise, then `CLOSED`.
   */
  private retire(c: PooledConnection<C>, reason: string, error?: unknown): void {
    if (c.state === 'retiring' || c.state === 'closed') return;
    if (c.state === 'idle') {
      const i = this.free.indexOf(c);
      if (i >= 0) this.free.splice(i, 1);
    }
    c.state = 'retiring';
    this.retiringCount++;
    this.totals.retired++;
    if (error !== undefined) c.actor.send({ type: 'ERROR', error: this.describe(error) });
    else c.actor.send({ type: 'RETIRE', reason });
    const resource = c.resource as C;
    this.track(
      Promise.resolve()
        .then(() => this.o.factory.destroy(resource))
        .catch((destroyError: unknown) => {
          this.ctx.logger.warn(`pool ${this.name}: closing ${c.id} failed (${this.describe(destroyError)})`, {
            pool: this.name,
          });
        })
        .finally(() => {
          this.retiringCount--;
          c.state = 'closed';
          this.connections.delete(c);
          c.actor.send({ type: 'CLOSED' });
          this.purges.closed(c, this.ctx.clock.now());
          this.checkDrained();
          this.ensureMinimum();
        }),
    );
  }

  /** An `error` or `end` from the connection itself (the server terminated it). */
  private onConnectionError(c: PooledConnection<C>, error: unknown): void {
    if (c.broken !== undefined || c.state === 'retiring' || c.state === 'closed') return;
    c.broken = error;
    if (c.state === 'idle') {
      this.ctx.logger.warn(`pool ${this.name}: idle ${c.id} failed (${this.describe(error)}); retired`, {
        pool: this.name,
      });
      this.retire(c, 'error', error);
    } else if (c.state === 'busy') {
      // Its holder sees the failure; the connection is closed when the lease comes back.
      c.actor.send({ type: 'ERROR', error: this.describe(error) });
    }
  }

  private ensureMinimum(): void {
    if (this.poolState !== 'open') return;
    while (this.total() < this.o.min) this.create();
  }

  // ── recovery ─────────────────────────────────────────────────────────────────────────────

  private startRecovering(error: unknown, message: string): void {
    this.poolState = 'recovering';
    this.recovery.start(this.ctx.clock.now(), error, message);
    for (const w of this.waiters.drain()) w.reject(new PoolCreateFailedError(this.name, message, { cause: error }));
    this.scheduleProbe();
    this.ctx.logger.warn(
      `pool ${this.name}: cannot open connections (${message}); acquires fail fast while one probe reconnects in the background`,
      { pool: this.name },
    );
    this.ctx.events.emit(this.source, 'recovering', { error: message });
    this.updateHealth();
  }

  private scheduleProbe(): void {
    const delay = this.recovery.nextDelay(this.ctx.clock.now());
    this.recovery.timer = this.setUnrefTimer(() => {
      this.recovery.timer = undefined;
      if (this.poolState === 'recovering') this.create();
    }, delay);
  }

  private recovered(): void {
    const downMs = this.ctx.clock.now() - this.recovery.since;
    this.poolState = 'open';
    this.recovery.reset();
    this.ctx.logger.info(`pool ${this.name}: connected again after ${(downMs / 1000).toFixed(1)} s`, {
      pool: this.name,
    });
    this.ctx.events.emit(this.source, 'recovered', { downMs });
  }

  // ── housekeeping: idle timeout, lifetime, validation interval, leaks ─────────────────────

  private scheduleHousekeeping(at: number): void {
    if (at >= this.housekeepingAt || !Number.isFinite(at)) return;
    if (this.housekeepingTimer !== undefined) this.ctx.clock.clearTimeout(this.housekeepingTimer);
    this.housekeepingAt = at;
    this.housekeepingTimer = this.setUnrefTimer(() => this.housekeep(), Math.max(0, at - this.ctx.clock.now()));
  }

  private housekeep(): void {
    this.housekeepingTimer = undefined;
    this.housekeepingAt = Number.POSITIVE_INFINITY;
    if (this.poolState === 'closing' || this.poolState === 'closed') return;
    const now = this.ctx.clock.now();
    let next = Number.POSITIVE_INFINITY;
    // Oldest-used first, so idle timeout retires the least recently used above min.
    for (const c of [...this.free]) {
      const reason = this.age.unusableReason(c, now);
      const idleTooLong = this.age.idleTooLong(c, now);
      if (reason) this.retire(c, reason, c.broken);
      else if (idleTooLong && this.openCount() > this.o.min) this.retire(c, 'idle_timeout');
      else if (this.age.needsValidation(c, now)) {
        this.free.splice(this.free.indexOf(c), 1);
        this.validate(c);
      } else next = Math.min(next, this.age.nextDeadline(c, !idleTooLong));
    }
    next = Math.min(next, this.leaks.check(now));
    this.ensureMinimum();
    this.serve();
    this.scheduleHousekeeping(next);
  }

  // ── purge ────────────────────────────────────────────────────────────────────────────────

  /** See {@link Pool.purge}; the bookkeeping is {@link PoolPurge}. */
  public purge(): Promise<PurgeReport> {
    if (this.poolState === 'closing' || this.poolState === 'closed')
      return Promise.reject(new PoolClosedError(this.name));
    const now = this.ctx.clock.now();
    const done = this.purges.start(this.connections, now);
    this.totals.purges++;
    const stats = {
      idle: this.free.length,
      busy: this.busyCount,
      creating: this.creatingCount,
      validating: this.validatingCount,
    };
    this.ctx.logger.info(
      `pool ${this.name}: purge: every connection is replaced (${stats.idle} idle now, ${stats.busy} lent when given back)`,
      {
        pool: this.name,
      },
    );
    this.ctx.events.emit(this.source, 'purge', stats);
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
    if (this.housekeepingTimer !== undefined) this.ctx.clock.clearTimeout(this.housekeepingTimer);
    if (this.recovery.timer !== undefined) this.ctx.clock.clearTimeout(this.recovery.timer);
    this.closeController.abort(new PoolClosedError(this.name));
    for (const w of this.waiters.drain()) w.reject(new PoolClosedError(this.name));
    for (const c of [...this.free]) this.retire(c, 'drain');
    if (this.busyCount > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        this.onDrained = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    for (const c of [...this.connections]) {
      if (c.state !== 'busy') continue;
      c.lease = undefined;
      this.busyCount--;
      this.retire(c, 'drain');
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.poolState = 'closed';
    this.unregisterMetrics();
    this.healthState.close(new PoolClosedError(this.name));
  }

  private checkDrained(): void {
    if (this.onDrained && this.busyCount === 0) {
      const resolve = this.onDrained;
      this.onDrained = undefined;
      resolve();
    }
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

  private updateHealth(): void {
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
    if (this.poolState === 'recovering') {
      return new PoolRecoveringError(this.name, this.recovery.since, this.recovery.probeAt, this.recovery.message, {
        cause: this.recovery.cause,
      });
    }
    return new PoolClosedError(this.name);
  }

  // ── small helpers ────────────────────────────────────────────────────────────────────────

  /** Connections that count against `max`. */
  private total(): number {
    return this.creatingCount + this.openCount();
  }

  private openCount(): number {
    return this.free.length + this.busyCount + this.validatingCount;
  }

  private describe(error: unknown): string {
    const text = error instanceof Error ? error.message || error.name : String(error);
    return this.ctx.secrets.scrub(text);
  }

  private track(work: Promise<void>): void {
    const p = work.catch((error: unknown) => {
      this.ctx.logger.error(`pool ${this.name}: internal error (${this.describe(error)})`, { pool: this.name, error });
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** A timer that does not keep the process alive on its own (housekeeping, probes). */
  private setUnrefTimer(fn: () => void, ms: number): unknown {
    const id = this.ctx.clock.setTimeout(fn, ms);
    unrefTimer(id);
    return id;
  }
}
