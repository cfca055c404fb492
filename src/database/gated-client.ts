import knexFactory, { type Knex } from 'knex';
import type { Admission, Pipeline } from '../resilience/pipeline/pipeline.js';
import { KNEX_CLIENT, type Dialect } from './dialect.js';
import { dropPendingBegin, queryHoldingBegin } from './deferred-begin.js';
import { stampQueryStart } from './query-tracker.js';

/** A knex client class, as knex's `client` option accepts it. */
export type KnexClientClass = typeof Knex.Client;

/** The parts of knex's `Client` the gate overrides (knex does not type them). */
interface ClientInternals {
  transacting?: boolean;
  driver?: { Query?: unknown };
  query(connection: unknown, obj: unknown): Promise<unknown>;
  _query(connection: unknown, obj: unknown): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
  runner(builder: unknown): { run(): Promise<unknown> };
  acquireConnection(): Promise<unknown>;
}

type InternalsClass = new (config: Knex.Config) => ClientInternals;

/** Transaction control: never refused, so a transaction the breaker caught can still end. */
const CONTROL =
  /^\s*(begin|commit|rollback|savepoint|release|start\s+transaction|set\s+(transaction|session|local))\b/i;
const LOCKING_READ = /\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b|\block\s+in\s+share\s+mode\b/i;

const sqlOf = (obj: unknown): string | undefined => {
  if (typeof obj === 'string') return obj;
  const sql = (obj as { sql?: unknown } | null)?.sql;
  return typeof sql === 'string' ? sql : undefined;
};

/**
 * A read that may run again after a transient failure: a query builder's `select` / `first` /
 * `pluck`, or raw SQL that begins with `SELECT`, neither locking rows (`FOR UPDATE`, `FOR SHARE`).
 * Anything else (writes, DDL, `WITH`, procedures) is never retried.
 */
export function isRetryableRead(builder: unknown): boolean {
  const b = builder as { _method?: unknown; sql?: unknown; _single?: { lock?: unknown } } | null;
  if (!b) return false;
  if (typeof b._method === 'string') {
    if (b._method !== 'select' && b._method !== 'first' && b._method !== 'pluck') return false;
    return !b._single?.lock;
  }
  if (typeof b.sql === 'string') return /^\s*select\b/i.test(b.sql) && !LOCKING_READ.test(b.sql);
  return false;
}

/** The parts of knex's `Runner` the gate wraps (knex does not type them). */
interface RunnerInternals {
  connection?: unknown;
  run(): Promise<unknown>;
  query(obj: unknown): Promise<unknown>;
}

/**
 * The knex client class of `dialect` with the `database` pipeline in front of every query
 * (`stator.db.knex` and its transactions, whose clients knex derives from this class):
 *
 * - taking a connection is refused at once with `CircuitOpenError` while the breaker is open,
 *   before waiting for the pool; failing to get one counts as a failed query;
 * - each statement is admitted and counted by the breaker (inside transactions too; transaction
 *   control — BEGIN, COMMIT, ROLLBACK, SAVEPOINT — is counted by nobody and never refused);
 *   with `rate_limit.database` each statement goes through the limiter;
 * - a read outside a transaction ({@link isRetryableRead}) runs again per
 *   `error_handling.retry` on transient kinds, each attempt on a fresh connection; writes are never
 *   retried here (transactions retry their whole function).
 *
 * Outside a transaction the gate wraps knex's `Runner#run` (acquire, statements, release): see
 * {@link gateRun}. Inside one, `Client#query` (the statements of the transaction's connection).
 * Streams and knex transactions take their connection through `acquireConnection`, gated there.
 *
 * `pipeline` is read at each call (it may come later than the client); without one the class
 * behaves exactly as knex's own.
 */
export function gatedClient(dialect: Dialect, pipeline: () => Pipeline | undefined): KnexClientClass {
  const Base = knexFactory({ client: KNEX_CLIENT[dialect], useNullAsDefault: true }).client
    .constructor as InternalsClass;
  /** True while a gated `Runner#run` calls `acquireConnection` (synchronously, from its first frame). */
  const inRun = { now: false };

  class GatedClient extends Base {
    public override acquireConnection(): Promise<unknown> {
      const p = pipeline();
      // A gated run refused an open breaker already, and counts a failed acquire itself.
      if (!p || inRun.now) return super.acquireConnection();
      const period = p.refuseIfOpen('query');
      // A query that gets no connection (the server refuses them) failed like one that broke.
      return super.acquireConnection().catch((error: unknown) => {
        p.acquireFailed(period, 'query', error);
        throw error;
      });
    }

    public override query(connection: unknown, obj: unknown): Promise<unknown> {
      stampQueryStart(obj);
      const p = pipeline();
      // Outside a transaction the runner counts (see gateRun); transaction control is counted by nobody.
      if (!p || !this.transacting) return super.query(connection, obj);
      const sql = sqlOf(obj);
      if (sql !== undefined && CONTROL.test(sql)) return super.query(connection, obj);
      const call = p.admit('query');
      if (!call) return p.run('query', () => super.query(connection, obj), { retry: false, timeoutMs: 0 });
      return super.query(connection, obj).then(
        (value) => {
          call.succeeded();
          return value;
        },
        (error: unknown) => {
          call.failed(error);
          throw error;
        },
      );
    }

    /** PostgreSQL: a BEGIN held on the connection leaves with this statement (see `deferred-begin.ts`). */
    public override _query(connection: unknown, obj: unknown): Promise<unknown> {
      return queryHoldingBegin(this.driver, connection, obj, () => super._query(connection, obj));
    }

    public override releaseConnection(connection: unknown): Promise<void> {
      dropPendingBegin(connection as object);
      return super.releaseConnection(connection);
    }

    public override runner(builder: unknown): { run(): Promise<unknown> } {
      const runner = super.runner(builder) as RunnerInternals;
      const p = pipeline();
      if (!p || this.transacting) return runner;
      // knex's runner keeps the connection it took: each retry runs on a fresh runner.
      const fresh = (): RunnerInternals => gateRun(super.runner(builder) as RunnerInternals, p, inRun, undefined);
      return gateRun(runner, p, inRun, isRetryableRead(builder) ? fresh : undefined);
    }
  }

  return GatedClient as unknown as KnexClientClass;
}

const NONE: unique symbol = Symbol('none');

/**
 * Gates one knex run outside a transaction, at the cost of one `.then` on the run's promise:
 * refused at its start while the breaker is open (before waiting for the pool); each statement admitted
 * when it is sent (`Runner#query`, so that the breaker's timing leaves the pool wait out) and
 * counted when it settles; a failed acquire counted as a failed query; and, with `retry`, a
 * retryable read that failed runs again per `error_handling.retry` from that same rejection
 * handler, each attempt on a fresh runner made by `retry`.
 */
function gateRun(
  runner: RunnerInternals,
  p: Pipeline,
  inRun: { now: boolean },
  retry: (() => RunnerInternals) | undefined,
): RunnerInternals {
  const { run, query } = runner;
  // The statement in flight (a schema builder sends several, one after the other).
  let call: Admission | undefined;
  runner.query = (obj) => {
    call?.succeeded();
    call = undefined;
    call = p.admit('query');
    // A limiter (or a total-time cap): the pipeline runs the statement, and counts it.
    if (!call) return p.run('query', () => query.call(runner, obj), { retry: false, timeoutMs: 0 });
    return query.call(runner, obj);
  };
  const retryAfter = (first: unknown): Promise<unknown> => {
    if (!retry) return Promise.reject(first);
    let failed: unknown = first;
    // p.retry's first attempt is the one that just failed: its error is handed over as it is.
    return p.retry('read', () => {
      if (failed === NONE) return retry().run();
      const error = failed;
      failed = NONE;
      return Promise.reject(error);
    });
  };
  runner.run = () => {
    let started: Promise<unknown>;
    // The breaker's period at the start: a failed acquire counts against it, not a later one.
    let period: number;
    try {
      period = p.refuseIfOpen('query');
      inRun.now = true;
      started = run.call(runner);
    } catch (error) {
      return retryAfter(error);
    } finally {
      inRun.now = false;
    }
    return started.then(
      (value) => {
        call?.succeeded();
        call = undefined;
        return value;
      },
      (error: unknown) => {
        if (call) call.failed(error);
        // No connection, so no statement: the acquire failed (the server refuses connections).
        else if (runner.connection === undefined) p.acquireFailed(period, 'query', error);
        call = undefined;
        return retryAfter(error);
      },
    );
  };
  return runner;
}
