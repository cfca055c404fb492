import knexFactory, { type Knex } from 'knex';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { DatabaseDependencyError } from '../errors/database-dependency-error.js';
import { DatabaseNotReadyError } from '../errors/database-not-ready-error.js';
import { DatabaseUnreachableError, isDatabaseUnreachableError } from '../errors/database-unreachable-error.js';
import { isStatorError } from '../errors/stator-error.js';
import type { Pipeline, PipelineOptions } from '../resilience/pipeline/pipeline.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth, LayerStartContext, ResourceLayer } from '../kernel/layer.js';
import { installBeginOverride } from './begin-override.js';
import { createConnector, type Connector } from './connector.js';
import type { DatabaseConnection } from './database-connection.js';
import { DatabaseMetrics } from './database-metrics.js';
import type { DatabasePool } from './database-pool.js';
import { resolveDatabaseTarget } from './database-target.js';
import { withDeadline } from '../kernel/deadline.js';
import { OperationTimeoutError } from '../errors/operation-timeout-error.js';
import type { Dialect } from './dialect.js';
import { explainQuery } from './explainer.js';
import { gatedClient } from './gated-client.js';
import { readWithFallback } from './read-with-fallback.js';
import { knexLog } from './knex-log.js';
import { PoolSlot } from './pool-slot.js';
import { QueryTracker } from './query-tracker.js';
import { SlowQueryReporter } from './slow-query-reporter.js';
import type { InvalidationSpec, StatorDb } from './database-api.js';
import { createStatorPool } from './knex-pool.js';
import { beginHandle } from './transaction-handle.js';
import { TransactionHistory } from './transaction-history.js';
import { TransactionRegistry } from './transaction-registry.js';
import { TransactionRunner } from './transaction-runner.js';
import { attachQuerySpans, tracedTransaction } from './query-spans.js';

/** What the database layer can be given besides the context. */
export interface DatabaseLayerDeps {
  /** The cache's invalidation, run after a transaction with `invalidates` commits. */
  readonly invalidate?: (spec: InvalidationSpec) => Promise<void>;
  /**
   * The recovery pipeline factory (`createResilience(ctx)`): every query of `stator.db.knex` goes
   * through `pipeline('database')` (breaker, rate limit, read retry); starts and health checks do
   * not (recovery is never refused by the resource's own breaker).
   */
  readonly resilience?: { pipeline(resource: string, options?: PipelineOptions): Pipeline };
  /** Builds the pool of each start. Default: a pool of `connection_pool.max_connections` (1 for SQLite). */
  readonly createPool?: (ctx: RuntimeContext, connector: Connector, max: number) => DatabasePool;
  /** Random numbers for retry jitter (tests pin it). */
  readonly random?: () => number;
}

/** The database resource: a {@link ResourceLayer} plus `stator.db` and the shutdown hooks. */
export interface DatabaseLayer extends ResourceLayer {
  /** `stator.db`. */
  readonly api: StatorDb;
  /** Refuses new transactions (`TransactionRefusedError`) until the next start; for graceful shutdown and readiness. */
  refuseNew(reason: string): void;
  /** Resolves when no transaction runs; rolls back the ones still running when `signal` aborts. */
  drain(signal: AbortSignal): Promise<void>;
}

/**
 * Creates the database layer of `ctx.config.database`: PostgreSQL (pg), MySQL/MariaDB (mysql2)
 * or SQLite (better-sqlite3, the embedded default, in `database.filename` under
 * `filesystem.base_path`). `api.knex` exists at once and keeps its identity across restarts;
 * its queries fail with `DatabaseNotReadyError` until {@link ResourceLayer.start} succeeds.
 *
 * - `start` checks the layers it depends on (cache, filesystem), opens one connection within
 *   `database.timeout` and runs `SELECT 1` (one attempt: the supervisor retries).
 * - `check` runs `SELECT 1` on a pooled connection.
 * - `stop` refuses new transactions, drains running ones until its signal aborts, closes the pool.
 *
 * @example
 * ```ts
 * const layer = createDatabaseLayer(ctx, { invalidate: (spec) => cache.invalidate(spec) });
 * await layer.start({ signal, attempt: 1, dependencies: new Map() });
 * await layer.api.knex.raw('select 1');
 * ```
 */
export function createDatabaseLayer(ctx: RuntimeContext, deps: DatabaseLayerDeps = {}): DatabaseLayer {
  const target = resolveDatabaseTarget(ctx.config);
  ctx.secrets.add(ctx.config.database.password);
  const dialect: Dialect = target.dialect;
  const timeoutMs = ctx.config.database.timeout * 1000 || 30_000;
  const max = dialect === 'sqlite' ? 1 : ctx.config.connection_pool.max_connections;
  const slot = new PoolSlot();
  // Set once the layer is built (below); the gated client reads it on every query.
  // eslint-disable-next-line prefer-const
  let pipeline: Pipeline | undefined;
  const knex: Knex = knexFactory({
    // Every query is counted and gated by the `database` breaker, reads retried (gated-client.ts).
    client: gatedClient(dialect, () => pipeline),
    connectionPool: slot,
    compileSqlOnError: false,
    useNullAsDefault: dialect === 'sqlite',
    log: knexLog(ctx.logger),
  });
  installBeginOverride(knex.client);
  const metrics = new DatabaseMetrics(dialect, ctx.metrics);
  const registry = new TransactionRegistry();
  const history = new TransactionHistory(ctx.config.transaction.history_size);
  const explain = (query: Parameters<StatorDb['explain']>[0]) => explainQuery(knex, dialect, query);
  const reporter = new SlowQueryReporter(
    ctx,
    metrics,
    ctx.config.database.explain_slow_queries
      ? (q) => explain((q.builder as Knex.QueryBuilder | undefined) ?? q.sql)
      : undefined,
    { dialect },
  );
  const tracker = new QueryTracker(metrics, ctx.config.monitoring.performance_threshold * 1000, (q) =>
    reporter.take(q),
  );
  tracker.attach(knex.client);
  attachQuerySpans(knex.client, ctx.config.database);
  const health = new Subject<LayerHealth>();
  let pool: DatabasePool | undefined;
  let connector: Connector | undefined;
  let poolHealth: Subscription | undefined;

  const ping = async (p: DatabasePool, c: Connector, signal: AbortSignal): Promise<void> => {
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
  };

  /** One connection of its own, `SELECT 1`, closed again: for a probe while no pool runs. */
  const probeAlone = async (signal: AbortSignal): Promise<void> => {
    const c = connector ?? createConnector(ctx, target);
    const conn = await c.create(signal);
    try {
      await c.ping(conn, signal);
    } finally {
      await c.destroy(conn);
    }
  };

  const unreachable = (error: unknown, signal: AbortSignal): unknown => {
    if (signal.aborted && error === signal.reason) return error;
    // The pool wraps a failed connection attempt (PoolCreateFailedError): surface the connector's error.
    for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
      if (isDatabaseUnreachableError(e)) return e;
    }
    if (isStatorError(error)) return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new DatabaseUnreachableError(target.description, ctx.secrets.scrub(reason), { cause: error });
  };

  const closePool = async (signal: AbortSignal): Promise<void> => {
    const closing = pool;
    pool = undefined;
    poolHealth?.unsubscribe();
    poolHealth = undefined;
    if (closing) await closing.close(signal);
  };

  const transactions = new TransactionRunner({
    ctx,
    dialect,
    knex,
    cancel: (conn: DatabaseConnection) => (connector ? connector.cancel(conn) : Promise.resolve()),
    kill: (conn: DatabaseConnection) => connector?.kill(conn),
    tracker,
    metrics,
    registry,
    history,
    ...(deps.invalidate ? { invalidate: deps.invalidate } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });

  pipeline = deps.resilience?.pipeline('database', {
    // The half-open probe needs no pool: without one it opens (and closes) a connection itself.
    probe: (signal) => (pool && connector ? ping(pool, connector, signal) : probeAlone(signal)),
  });

  const api: StatorDb = {
    knex,
    dialect,
    transaction: (fn, options) =>
      tracedTransaction(ctx.config.database, options?.isolationLevel ?? ctx.config.transaction.isolation_level, () =>
        transactions.run(fn, options),
      ),
    explain,
    read: (key, query, options) => readWithFallback(knex, pipeline, key, query, options),
    begin: (options = {}) =>
      beginHandle(ctx, (body) => transactions.runNew(body, { ...options, retries: 0 }, 'handle')),
    transactions: async () => registry.list(),
    history: async (options) => history.list(options?.limit),
    clearHistory: async () => history.clear(),
    purge: async () => {
      const p = pool;
      if (!p) throw new DatabaseNotReadyError('not started');
      if (!p.purge)
        throw new TypeError('the pool given to the database layer (deps.createPool) has no purge(); give it one');
      return p.purge();
    },
  };

  const checkDependencies = async (context: LayerStartContext): Promise<void> => {
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
  };

  return {
    name: 'database',
    api,
    health$: health.asObservable() as Observable<LayerHealth>,

    async start(context) {
      await checkDependencies(context);
      await closePool(AbortSignal.abort());
      const c = createConnector(ctx, target);
      const p = (deps.createPool ?? createStatorPool)(ctx, c, max);
      try {
        // Not through the breaker: recovering the database is never refused by its own breaker
        // (the runtime closes the breaker once this start succeeds).
        await withDeadline(ping(p, c, context.signal), {
          clock: ctx.clock,
          ms: timeoutMs,
          signal: context.signal,
          onTimeout: () => new OperationTimeoutError('database', 'connect', timeoutMs, 'database.timeout'),
        });
      } catch (error) {
        await p.close(AbortSignal.abort());
        throw unreachable(error, context.signal);
      }
      (knex.client as { version?: string }).version ??= c.client.version;
      pool = p;
      connector = c;
      poolHealth = p.health$?.subscribe((h) => health.next(h));
      slot.attach(p);
      registry.acceptNew();
      ctx.logger.debug(`database: connected to the ${target.description}`);
    },

    async check(signal) {
      const p = pool;
      const c = connector;
      if (!p || !c) throw new DatabaseNotReadyError('not started');
      try {
        // Outside the breaker, like start: the check is how the runtime learns the database is back.
        await withDeadline(ping(p, c, signal), {
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
        throw unreachable(error, signal);
      }
      return { status: 'up' };
    },

    async stop(signal) {
      registry.refuseNew('the database is stopping');
      await registry.drain(signal);
      slot.detach('stopped');
      await closePool(signal);
    },

    details() {
      return {
        driver: dialect,
        target: target.description,
        pool: pool?.stats() ?? { state: 'closed' },
        transactions: {
          running: registry.size,
          ...(registry.refusedReason ? { refused: registry.refusedReason } : {}),
        },
        ...metrics.snapshot(),
      };
    },

    refuseNew: (reason) => registry.refuseNew(reason),
    drain: (signal) => registry.drain(signal),
  };
}
