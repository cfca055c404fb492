import { Subject, type Subscription } from 'rxjs';
import { DatabaseDependencyError } from '../errors/database-dependency-error.js';
import { DatabaseNotReadyError } from '../errors/database-not-ready-error.js';
import { DatabaseUnreachableError, isDatabaseUnreachableError } from '../errors/database-unreachable-error.js';
import { OperationTimeoutError } from '../errors/operation-timeout-error.js';
import { isStatorError } from '../errors/stator-error.js';
import type { RuntimeContext } from '../kernel/context.js';
import { withDeadline } from '../kernel/deadline.js';
import type { LayerHealth, LayerStartContext } from '../kernel/layer.js';
import { createConnector, type Connector } from './connector.js';
import type { DatabaseConnection } from './database-connection.js';
import type { DatabasePool } from './database-pool.js';
import type { DatabaseTarget } from './database-target.js';
import type { PoolSlot } from './pool-slot.js';
import type { TransactionRegistry } from './transaction-registry.js';

/** What {@link DatabaseLifecycle} works with. */
export interface DatabaseLifecycleEnv {
  readonly ctx: RuntimeContext;
  readonly target: DatabaseTarget;
  /** `database.timeout` in milliseconds (30 s when 0). */
  readonly timeoutMs: number;
  /** Connections of the pool each start builds. */
  readonly max: number;
  /** The slot `stator.db.knex` borrows from: each start attaches its pool there. */
  readonly slot: PoolSlot;
  readonly registry: TransactionRegistry;
  readonly createPool: (ctx: RuntimeContext, connector: Connector, max: number) => DatabasePool;
  /** Receives the client version of the first successful start (copied to `stator.db.knex`). */
  readonly onVersion: (version: string | undefined) => void;
  /** When the server last answered one of the application's statements (`performance.now()` ms). */
  readonly answeredAt?: () => number;
}

/**
 * The database's connection side across starts: the pool and connector of the current start,
 * start (dependencies, one connection, `SELECT 1`), check, stop, and the breaker's half-open probe.
 * None of it goes through the `database` breaker: recovering the database is never refused by its
 * own breaker.
 */
export class DatabaseLifecycle {
  /** The current pool's health, for the layer's `health$`. */
  public readonly health = new Subject<LayerHealth>();
  private current: DatabasePool | undefined;
  private connector: Connector | undefined;
  private poolHealth: Subscription | undefined;

  public constructor(private readonly env: DatabaseLifecycleEnv) {}

  /** The pool of the current start (undefined before a start). */
  public get pool(): DatabasePool | undefined {
    return this.current;
  }

  public cancel(connection: DatabaseConnection): Promise<void> {
    return this.connector ? this.connector.cancel(connection) : Promise.resolve();
  }

  public kill(connection: DatabaseConnection): void {
    this.connector?.kill(connection);
  }

  /** The half-open probe: on a pooled connection, or without a pool on one it opens (and closes) itself. */
  public probe(signal: AbortSignal): Promise<void> {
    const { current, connector } = this;
    return current && connector ? this.ping(current, connector, signal) : this.probeAlone(signal);
  }

  public async start(context: LayerStartContext): Promise<void> {
    const { ctx, target, timeoutMs } = this.env;
    await checkDependencies(context);
    await this.closePool(AbortSignal.abort());
    const c = createConnector(ctx, target);
    const p = this.env.createPool(ctx, c, this.env.max);
    try {
      // Not through the breaker (the runtime closes the breaker once this start succeeds).
      await withDeadline(this.ping(p, c, context.signal), {
        clock: ctx.clock,
        ms: timeoutMs,
        signal: context.signal,
        onTimeout: () => new OperationTimeoutError('database', 'connect', timeoutMs, 'database.timeout'),
      });
    } catch (error) {
      await p.close(AbortSignal.abort());
      throw this.unreachable(error, context.signal);
    }
    this.env.onVersion(c.client.version);
    this.current = p;
    this.connector = c;
    this.poolHealth = p.health$?.subscribe((h) => this.health.next(h));
    this.env.slot.attach(p);
    this.env.registry.acceptNew();
    ctx.logger.debug(`database: connected to the ${target.description}`);
  }

  public async check(signal: AbortSignal): Promise<LayerHealth> {
    const { ctx, timeoutMs, max } = this.env;
    const p = this.current;
    const c = this.connector;
    if (!p || !c) throw new DatabaseNotReadyError('not started');
    // Every connection busy and callers waiting, but the server answered one of their statements
    // within the deadline: it is up. Waiting for a connection behind them (transactions that wait
    // on locks hold theirs for seconds) would time the check out and say `down` for a database
    // that answers.
    const answeredAt = this.env.answeredAt?.() ?? Number.NEGATIVE_INFINITY;
    if (p.numUsed() >= max && p.numPendingAcquires() > 0 && performance.now() - answeredAt < timeoutMs) {
      return { status: 'up' };
    }
    try {
      // Outside the breaker, like start: the check is how the runtime learns the database is back.
      await withDeadline(this.ping(p, c, signal), {
        clock: ctx.clock,
        ms: timeoutMs,
        signal,
        onTimeout: () => new OperationTimeoutError('database', 'check', timeoutMs, 'database.timeout'),
      });
    } catch (error) {
      // Every connection busy past the deadline: the database answers, Stator's callers hold it.
      if (p.numUsed() >= max && !signal.aborted) {
        return {
          status: 'degraded',
          reason: `every connection is busy (${p.numUsed()} of ${max}) and ${p.numPendingAcquires()} requests wait`,
        };
      }
      throw this.unreachable(error, signal);
    }
    return { status: 'up' };
  }

  public async stop(signal: AbortSignal): Promise<void> {
    const { registry, slot } = this.env;
    registry.refuseNew('the database is stopping');
    await registry.drain(signal);
    slot.detach('stopped');
    await this.closePool(signal);
  }

  private async ping(p: DatabasePool, c: Connector, signal: AbortSignal): Promise<void> {
    const { ctx, timeoutMs } = this.env;
    const conn = await withDeadline(p.acquire().promise, {
      clock: ctx.clock,
      ms: timeoutMs,
      signal,
      late: (late) => p.release(late),
      onTimeout: () => new OperationTimeoutError('database', 'acquire', timeoutMs, 'database.timeout'),
    });
    try {
      await c.ping(conn, signal);
    } catch (error) {
      conn.__knex__disposed = error;
      throw error;
    } finally {
      p.release(conn);
    }
  }

  /** One connection of its own, `SELECT 1`, closed again: for a probe while no pool runs. */
  private async probeAlone(signal: AbortSignal): Promise<void> {
    const c = this.connector ?? createConnector(this.env.ctx, this.env.target);
    const conn = await c.create(signal);
    try {
      await c.ping(conn, signal);
    } finally {
      await c.destroy(conn);
    }
  }

  private unreachable(error: unknown, signal: AbortSignal): unknown {
    if (signal.aborted && error === signal.reason) return error;
    // The pool wraps a failed connection attempt (PoolCreateFailedError): surface the connector's error.
    for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
      if (isDatabaseUnreachableError(e)) return e;
    }
    if (isStatorError(error)) return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new DatabaseUnreachableError(this.env.target.description, this.env.ctx.secrets.scrub(reason), {
      cause: error,
    });
  }

  private async closePool(signal: AbortSignal): Promise<void> {
    const closing = this.current;
    this.current = undefined;
    this.poolHealth?.unsubscribe();
    this.poolHealth = undefined;
    if (closing) await closing.close(signal);
  }
}

/** The layers the database depends on (cache, filesystem) must answer their check before it starts. */
async function checkDependencies(context: LayerStartContext): Promise<void> {
  for (const [name, layer] of context.dependencies) {
    let result: LayerHealth;
    try {
      result = await layer.check(context.signal);
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      throw new DatabaseDependencyError(name, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
    if (result.status === 'down')
      throw new DatabaseDependencyError(name, result.error.message, { cause: result.error });
  }
}
