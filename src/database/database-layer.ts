import type { Observable } from 'rxjs';
import type { Pipeline, PipelineOptions } from '../resilience/pipeline/pipeline.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth, ResourceLayer } from '../kernel/layer.js';
import type { Connector } from './connector.js';
import type { DatabaseConnection } from './database-connection.js';
import { DatabaseLifecycle } from './database-lifecycle.js';
import type { DatabasePool } from './database-pool.js';
import { resolveDatabaseTarget } from './database-target.js';
import type { InvalidationSpec, StatorDb } from './database-api.js';
import { createStatorPool } from './knex-pool.js';
import { PoolSlot } from './pool-slot.js';
import { createStatorDb } from './stator-db.js';
import { createStatorKnex } from './stator-knex.js';
import { TransactionHistory } from './transaction-history.js';
import { TransactionRegistry } from './transaction-registry.js';
import { TransactionRunner } from './transaction-runner.js';

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
  const dialect = target.dialect;
  const slot = new PoolSlot();
  // Set once the layer is built (below); the gated client reads it on every query.
  // eslint-disable-next-line prefer-const
  let pipeline: Pipeline | undefined;
  const { knex, metrics, tracker, explain } = createStatorKnex(ctx, dialect, slot, () => pipeline);
  const registry = new TransactionRegistry();
  const history = new TransactionHistory(ctx.config.transaction.history_size);
  const max = dialect === 'sqlite' ? 1 : ctx.config.connection_pool.max_connections;
  const life = new DatabaseLifecycle({
    ctx,
    target,
    timeoutMs: ctx.config.database.timeout * 1000 || 30_000,
    max,
    slot,
    registry,
    createPool: deps.createPool ?? createStatorPool,
    onVersion: (version) => ((knex.client as { version?: string }).version ??= version),
    answeredAt: () => tracker.answeredAt,
  });
  const transactions = new TransactionRunner({
    ctx,
    dialect,
    knex,
    cancel: (conn: DatabaseConnection) => life.cancel(conn),
    kill: (conn: DatabaseConnection) => life.kill(conn),
    tracker,
    metrics,
    registry,
    history,
    ...(deps.invalidate ? { invalidate: deps.invalidate } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
  // The half-open probe needs no pool: without one it opens (and closes) a connection itself.
  pipeline = deps.resilience?.pipeline('database', { probe: (signal) => life.probe(signal) });
  const api = createStatorDb({
    ...{ ctx, knex, dialect, explain, transactions, registry, history },
    pipeline: () => pipeline,
    pool: () => life.pool,
  });
  return {
    name: 'database',
    api,
    health$: life.health.asObservable() as Observable<LayerHealth>,
    start: (context) => life.start(context),
    check: (signal) => life.check(signal),
    stop: (signal) => life.stop(signal),
    details: () => ({
      driver: dialect,
      target: target.description,
      pool: life.pool?.stats() ?? { state: 'closed' },
      transactions: { running: registry.size, ...(registry.refusedReason ? { refused: registry.refusedReason } : {}) },
      ...metrics.snapshot(),
    }),
    refuseNew: (reason) => registry.refuseNew(reason),
    drain: (signal) => registry.drain(signal),
  };
}
