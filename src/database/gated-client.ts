import knexFactory, { type Knex } from 'knex';
import type { Pipeline } from '../resilience/pipeline/pipeline.js';
import { KNEX_CLIENT, type Dialect } from './dialect.js';

/** A knex client class, as knex's `client` option accepts it. */
export type KnexClientClass = typeof Knex.Client;

/** The parts of knex's `Client` the gate overrides (knex does not type them). */
interface ClientInternals {
  transacting?: boolean;
  query(connection: unknown, obj: unknown): Promise<unknown>;
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

/**
 * The knex client class of `dialect` with the `database` pipeline in front of every query
 * (`stator.db.knex` and its transactions, whose clients knex derives from this class):
 *
 * - taking a connection is refused at once with `CircuitOpenError` while the breaker is open,
 *   before any pool wait; failing to get one counts as a failed query;
 * - each statement is admitted and counted by the breaker (inside transactions too; transaction
 *   control — BEGIN, COMMIT, ROLLBACK, SAVEPOINT — is counted by nobody and never refused);
 *   with `rate_limit.database` each statement goes through the limiter;
 * - a read outside a transaction ({@link isRetryableRead}) runs again per
 *   `error_handling.retry` on transient kinds, each attempt on a fresh connection; writes are never
 *   retried here (transactions retry their whole function).
 *
 * `pipeline` is read at each call (it may come later than the client); without one the class
 * behaves exactly as knex's own.
 */
export function gatedClient(dialect: Dialect, pipeline: () => Pipeline | undefined): KnexClientClass {
  const Base = knexFactory({ client: KNEX_CLIENT[dialect], useNullAsDefault: true }).client
    .constructor as InternalsClass;

  class GatedClient extends Base {
    public override acquireConnection(): Promise<unknown> {
      const p = pipeline();
      if (!p) return super.acquireConnection();
      p.refuseIfOpen('query');
      // A query that gets no connection (the server refuses them) failed like one that broke.
      return super.acquireConnection().catch((error: unknown) => {
        p.admit('query')?.failed(error);
        throw error;
      });
    }

    public override query(connection: unknown, obj: unknown): Promise<unknown> {
      const p = pipeline();
      if (!p) return super.query(connection, obj);
      if (this.transacting) {
        const sql = sqlOf(obj);
        if (sql !== undefined && CONTROL.test(sql)) return super.query(connection, obj);
      }
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

    public override runner(builder: unknown): { run(): Promise<unknown> } {
      const first = super.runner(builder);
      const p = pipeline();
      if (!p || this.transacting || !isRetryableRead(builder)) return first;
      const original = first.run;
      let used = false;
      // knex's runner keeps the connection it took: each retry runs on a fresh runner.
      first.run = () =>
        p.retry('read', () => {
          if (used) return super.runner(builder).run();
          used = true;
          return original.call(first);
        });
      return first;
    }
  }

  return GatedClient as unknown as KnexClientClass;
}
