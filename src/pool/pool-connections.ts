import { setMaxListeners } from 'node:events';
import { connectionMachine } from '../../machines/connection.machine.js';
import { PoolCreateFailedError } from '../errors/pool-create-failed-error.js';
import { startMachine } from '../kernel/actor.js';
import type { RuntimeContext } from '../kernel/context.js';
import { AcquireQueue } from './acquire-queue.js';
import { ConnectionAge } from './connection-age.js';
import { watchConnection } from './connection-watch.js';
import { LeakReports } from './leak-reports.js';
import { openConnection } from './open-connection.js';
import { PoolDrain } from './pool-drain.js';
import { PoolHealth } from './pool-health.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './pool-options.js';
import { PoolRecovery } from './pool-recovery.js';
import type { PoolState } from './pool-stats.js';
import { PooledConnection } from './pooled-connection.js';
import { PoolPurge } from './purge.js';

/**
 * The connection lifecycle of a pool, under {@link ConnectionPool} (which lends): opening a
 * connection under the create timeout, validating one, retiring one (the machine hears `RETIRE`
 * or `ERROR`, then `CLOSED`), an `error` or `end` from the server on an idle one, and keeping
 * `min_connections` open. It holds the pool's plain bookkeeping (free list, counters, totals),
 * which both halves read and write on the same object, so a borrow costs no extra indirection.
 * What to do with a connection that became usable, and with waiters, is the lending half's
 * (`dispatch`, `serve`), as is what a failed open means for the pool (`startRecovering`).
 */
export abstract class PoolConnections<C> {
  public readonly name: string;
  protected readonly o: ResolvedPoolOptions<C>;
  protected readonly source: string;
  protected poolState: PoolState = 'open';
  protected readonly connections = new Set<PooledConnection<C>>();
  /** Idle connections; the last one is the most recently used and is lent first. */
  protected readonly free: PooledConnection<C>[] = [];
  protected readonly waiters: AcquireQueue<C>;
  protected readonly age: ConnectionAge<C>;
  protected readonly leaks: LeakReports<C>;
  protected readonly healthState = new PoolHealth();
  protected busyCount = 0;
  protected creatingCount = 0;
  protected validatingCount = 0;
  protected retiringCount = 0;
  private seq = 0;
  protected readonly totals = { created: 0, retired: 0, createFailures: 0, timeouts: 0, acquires: 0, purges: 0 };
  protected readonly purges = new PoolPurge();
  /** The last create failure, until a create succeeds or a lease comes back: makes health `degraded`. */
  protected lastCreateError: { readonly message: string } | undefined;
  protected readonly recovery: PoolRecovery;
  /** Lent connections, and creates, validations and destroys in flight: what close() waits for. */
  protected readonly drain: PoolDrain;
  protected readonly closeController = new AbortController();

  protected constructor(
    protected readonly ctx: RuntimeContext,
    options: PoolOptions<C>,
  ) {
    this.o = resolvePoolOptions(ctx.config.connection_pool, options);
    this.name = this.o.name;
    this.source = `pool.${this.name}`;
    this.recovery = new PoolRecovery(ctx, this.o, () => {
      if (this.poolState === 'recovering') this.create();
    });
    this.age = new ConnectionAge(this.o, (c) => this.purges.outdated(c));
    this.leaks = new LeakReports(ctx, this.o, this.connections);
    this.drain = new PoolDrain((error) => {
      this.ctx.logger.error(`pool ${this.name}: internal error (${this.describe(error)})`, { pool: this.name, error });
    });
    this.waiters = new AcquireQueue(
      ctx.clock,
      () => this.totals.acquires,
      (timeoutMs, lent) => this.timeoutError(timeoutMs, lent),
    );
    // Each create in flight listens for close(): as many listeners as connections being opened,
    // which is no leak (Node would warn past 10).
    setMaxListeners(0, this.closeController.signal);
  }

  /** Hands an open, usable connection to the oldest waiter, or puts it on the free list. */
  protected abstract dispatch(c: PooledConnection<C>): void;
  /** Gives waiters what the pool has. */
  protected abstract serve(): void;
  /** No connection can be opened and none is left: the pool recovers. */
  protected abstract startRecovering(error: unknown, message: string): void;
  protected abstract updateHealth(): void;
  /** The error of an acquire that waited `timeoutMs` in vain. */
  protected abstract timeoutError(timeoutMs: number, lentMeanwhile: number): Error;

  protected create(): void {
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
    this.drain.track(
      openConnection(
        open,
        (resource) => this.created(c, resource),
        (error) => this.createFailed(c, error),
      ),
    );
  }

  protected created(c: PooledConnection<C>, resource: C): void {
    this.creatingCount--;
    this.totals.created++;
    c.resource = resource;
    c.state = 'idle';
    c.actor.send({ type: 'CREATED' });
    if (this.closingOrClosed()) {
      this.retire(c, 'drain');
      return;
    }
    if (this.o.watchErrors) watchConnection(resource, (error) => this.onConnectionError(c, error));
    if (this.poolState === 'recovering') {
      this.poolState = 'open';
      this.recovery.recovered();
    }
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

  protected createFailed(c: PooledConnection<C>, error: unknown): void {
    this.creatingCount--;
    this.totals.createFailures++;
    this.connections.delete(c);
    c.state = 'closed';
    this.purges.closed(c, this.ctx.clock.now());
    const message = this.describe(error);
    c.actor.send({ type: 'CREATE_FAILED', error: message });
    if (this.closingOrClosed()) {
      this.drain.check(this.busyCount);
      return;
    }
    this.lastCreateError = { message };
    if (this.poolState === 'recovering') {
      this.recovery.failed(error, message);
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

  protected validate(c: PooledConnection<C>): void {
    c.state = 'validating';
    this.validatingCount++;
    c.actor.send({ type: 'VALIDATE' });
    const factory = this.o.factory;
    this.drain.track(
      Promise.resolve()
        .then(() => (factory.validate ? factory.validate(c.resource as C) : true))
        .then(
          (ok) => ok === true,
          () => false,
        )
        .then((ok) => {
          this.validatingCount--;
          const now = this.ctx.clock.now();
          if (this.closingOrClosed()) {
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
  protected retire(c: PooledConnection<C>, reason: string, error?: unknown): void {
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
    this.drain.track(
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
          this.drain.check(this.busyCount);
          this.ensureMinimum();
        }),
    );
  }

  /** An `error` or `end` from the connection itself (the server terminated it). */
  protected onConnectionError(c: PooledConnection<C>, error: unknown): void {
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

  protected ensureMinimum(): void {
    if (this.poolState !== 'open') return;
    while (this.total() < this.o.min) this.create();
  }

  // ── small helpers ────────────────────────────────────────────────────────────────────────

  /** Connections that count against `max`. */
  protected total(): number {
    return this.creatingCount + this.openCount();
  }

  protected openCount(): number {
    return this.free.length + this.busyCount + this.validatingCount;
  }

  protected describe(error: unknown): string {
    const text = error instanceof Error ? error.message || error.name : String(error);
    return this.ctx.secrets.scrub(text);
  }

  protected closingOrClosed(): boolean {
    return this.poolState === 'closing' || this.poolState === 'closed';
  }
}
