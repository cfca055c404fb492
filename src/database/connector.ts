import knexFactory, { type Knex } from 'knex';
import { isConfigInvalidError } from '../errors/config-invalid-error.js';
import { DatabaseUnreachableError } from '../errors/database-unreachable-error.js';
import { explainTlsFailure } from '../resilience/detector/tls-failure.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { DatabaseConnection } from './database-connection.js';
import type { DatabaseTarget } from './database-target.js';
import { withDeadline } from '../kernel/deadline.js';
import { OperationTimeoutError } from '../errors/operation-timeout-error.js';
import { KNEX_CLIENT } from './dialect.js';
import { knexLog } from './knex-log.js';
import { connectionSettings } from './connection-settings.js';
import { mysqlIdentityError } from './tls-options.js';

/**
 * Opens and closes raw connections the way knex does: through a knex client configured with the
 * connection settings (`acquireRawConnection` / `destroyRawConnection`), so each connection keeps
 * knex's own error handlers, which mark a broken one with `__knex__disposed`. The pool calls it;
 * it holds no connection itself.
 */
export interface Connector {
  readonly target: DatabaseTarget;
  /** The knex client that makes the connections (its `version` is copied to `stator.db.knex`). */
  readonly client: Knex.Client;
  /** Opens one connection within `database.timeout`. Rejects with {@link DatabaseUnreachableError}. */
  create(signal?: AbortSignal): Promise<DatabaseConnection>;
  /** Closes one connection; never rejects. */
  destroy(connection: DatabaseConnection): Promise<void>;
  /** False when the connection broke (knex's mark or the dialect's `validateConnection`). No I/O. */
  isUsable(connection: DatabaseConnection): boolean;
  /** Runs `SELECT 1` on the connection; rejects when it does not answer within `database.timeout`. */
  ping(connection: DatabaseConnection, signal?: AbortSignal): Promise<void>;
  /** Cancels the statement running on `connection` from a separate connection (pg_cancel_backend, KILL QUERY). */
  cancel(connection: DatabaseConnection): Promise<void>;
  /**
   * Closes the connection's socket at once, without a goodbye to the server (which may be frozen):
   * whatever waits on it fails now. Marks it broken so the pool retires it. Never throws.
   */
  kill(connection: DatabaseConnection): void;
}

let nextUid = 0;

/** Builds the {@link Connector} of `target` from `ctx.config.database`. */
export function createConnector(ctx: RuntimeContext, target: DatabaseTarget): Connector {
  const db = ctx.config.database;
  const timeoutMs = db.timeout * 1000;
  const settings = loadOnce(() => connectionSettings(ctx, target));
  let client: Knex.Client | undefined;
  const getClient = (): Knex.Client => (client ??= rawClient(ctx, target));
  const open = async (): Promise<DatabaseConnection> => {
    const conn = await acquireRaw(getClient(), await settings(), target, timeoutMs);
    const mismatch = db.ssl.mode === 'verify-full' && target.dialect === 'mysql';
    const error = mismatch ? mysqlIdentityError(conn, target.host ?? '') : undefined;
    if (!error) return conn;
    await destroy(conn);
    throw error;
  };
  const destroy = (connection: DatabaseConnection): Promise<void> => destroyRaw(ctx, getClient(), connection);
  const timeout = (operation: string): OperationTimeoutError =>
    new OperationTimeoutError('database', operation, timeoutMs, 'database.timeout');
  const bounded = <T>(work: Promise<T>, operation: string, signal?: AbortSignal): Promise<T> =>
    withDeadline(work, { clock: ctx.clock, ms: timeoutMs, signal, onTimeout: () => timeout(operation) });
  return {
    target,
    get client() {
      return getClient();
    },
    async create(signal) {
      try {
        return await withDeadline(open(), {
          clock: ctx.clock,
          ms: timeoutMs,
          signal,
          late: (late) => void destroy(late),
          onTimeout: () => timeout('connect'),
        });
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw error;
        if (isConfigInvalidError(error)) throw error;
        const tls = explainTlsFailure(error, 'database.ssl', db.ssl.mode !== 'disable');
        const reason = tls ? `${tls.message} (${reasonOf(error)})` : reasonOf(error);
        throw new DatabaseUnreachableError(target.description, ctx.secrets.scrub(reason), { cause: error });
      }
    },
    destroy,
    isUsable: (connection) => isUsable(getClient(), target, connection),
    ping: async (connection, signal) => {
      await bounded(rawQuery(getClient(), connection, 'SELECT 1'), 'check', signal);
    },
    kill: (connection) => killSocket(ctx, target, connection),
    async cancel(connection) {
      if (target.dialect === 'sqlite') return;
      const c = getClient() as Knex.Client & { cancelQuery(conn: unknown): Promise<unknown> };
      await bounded(c.cancelQuery(connection), 'cancel');
    },
  };
}

/** {@link Connector.isUsable}: knex's mark, SQLite's `open`, or the dialect's `validateConnection`. */
function isUsable(client: Knex.Client, target: DatabaseTarget, connection: DatabaseConnection): boolean {
  if (connection.__knex__disposed) return false;
  if (target.dialect === 'sqlite') return (connection as { open?: boolean }).open !== false;
  return client.validateConnection(connection) as unknown as boolean;
}

/** One statement through knex's client on `connection`, outside any pool. */
function rawQuery(client: Knex.Client, connection: DatabaseConnection, sql: string): Promise<unknown> {
  const c = client as Knex.Client & {
    _query(conn: unknown, obj: { sql: string; bindings: unknown[] }): Promise<unknown>;
  };
  return c._query(connection, { sql, bindings: [] });
}

/** `load()` once; again after it failed. */
function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}

/** The knex client that opens the connections: settings are given per connection (see {@link acquireRaw}). */
function rawClient(ctx: RuntimeContext, target: DatabaseTarget): Knex.Client {
  return knexFactory({
    client: KNEX_CLIENT[target.dialect],
    // Settings are filled per connection (the password may come from a file); knex's SQLite
    // client only wants to see a filename here.
    connection: target.dialect === 'sqlite' ? { filename: target.filename ?? ':memory:' } : { host: target.host ?? '' },
    pool: { max: 0 },
    useNullAsDefault: true,
    log: knexLog(ctx.logger),
  }).client as Knex.Client;
}

/** One raw connection through knex's client, named for knex's query events. */
async function acquireRaw(
  client: Knex.Client,
  settings: Record<string, unknown>,
  target: DatabaseTarget,
  timeoutMs: number,
): Promise<DatabaseConnection> {
  (client as Knex.Client & { connectionSettings: Record<string, unknown> }).connectionSettings = settings;
  const conn = (await client.acquireRawConnection()) as DatabaseConnection;
  conn.__knexUid = `__statorConn${++nextUid}`;
  if (target.dialect === 'sqlite') prepareSqlite(conn, timeoutMs);
  return conn;
}

/** Closes a connection through knex's client; when that fails, destroys its socket. Never rejects. */
async function destroyRaw(ctx: RuntimeContext, client: Knex.Client, connection: DatabaseConnection): Promise<void> {
  try {
    await client.destroyRawConnection(connection);
  } catch (error) {
    ctx.logger.debug('database: closing a connection failed', { error });
    const socket = connection as { destroy?: () => void; connection?: { stream?: { destroy?: () => void } } };
    socket.destroy?.();
    socket.connection?.stream?.destroy?.();
  }
}

/** {@link Connector.kill}: marks the connection broken and destroys its socket. Never throws. */
function killSocket(ctx: RuntimeContext, target: DatabaseTarget, connection: DatabaseConnection): void {
  connection.__knex__disposed ??= 'closed past its deadline';
  if (target.dialect === 'sqlite') return;
  type Socket = { destroy?: (e?: Error) => void };
  const raw = connection as { destroy?: () => void; stream?: Socket; connection?: { stream?: Socket } };
  try {
    // pg: the Client's connection's socket; mysql2: the connection's own (its destroy() only ends it).
    const socket = raw.connection?.stream ?? raw.stream;
    if (socket?.destroy) socket.destroy();
    else raw.destroy?.();
  } catch (error) {
    ctx.logger.debug('database: closing a socket failed', { error });
  }
}

/**
 * better-sqlite3 is synchronous: a lock wait blocks the event loop. WAL lets readers in other
 * processes go on while Stator writes; the busy timeout bounds a wait on another process's lock.
 */
function prepareSqlite(conn: DatabaseConnection, timeoutMs: number): void {
  const sqlite = conn as unknown as { pragma(source: string): unknown; memory: boolean };
  if (!sqlite.memory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${Math.round(timeoutMs)}`);
  sqlite.pragma('foreign_keys = ON');
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return reasonOf(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === 'string' ? code : error.name);
  }
  return String(error);
}
