import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
import { driverSsl, mysqlIdentityError } from './tls-options.js';

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
  let settings: Promise<Record<string, unknown>> | undefined;
  let client: Knex.Client | undefined;

  const loadSettings = async (): Promise<Record<string, unknown>> => {
    if (target.dialect === 'sqlite') {
      if (target.filename !== ':memory:') await mkdir(dirname(target.filename ?? '.'), { recursive: true });
      return { filename: target.filename };
    }
    let password = db.password;
    if (password === undefined && db.password_file !== undefined) {
      password = (await readFile(db.password_file, 'utf8')).replace(/\r?\n$/, '');
    }
    ctx.secrets.add(password);
    // Certificate files are read here, once per start: every connection shares the buffers.
    const ssl = driverSsl(target.dialect, db.ssl);
    const common = {
      host: target.host,
      port: target.port,
      user: target.user,
      password,
      database: target.database,
      ssl,
    };
    return target.dialect === 'postgresql'
      ? { ...common, connectionTimeoutMillis: timeoutMs, keepAlive: true, application_name: 'stator' }
      : { ...common, connectTimeout: timeoutMs, enableKeepAlive: true };
  };

  const getClient = (): Knex.Client => {
    if (client) return client;
    client = knexFactory({
      client: KNEX_CLIENT[target.dialect],
      // Settings are filled per connection (the password may come from a file); knex's SQLite
      // client only wants to see a filename here.
      connection:
        target.dialect === 'sqlite' ? { filename: target.filename ?? ':memory:' } : { host: target.host ?? '' },
      pool: { max: 0 },
      useNullAsDefault: true,
      log: knexLog(ctx.logger),
    }).client as Knex.Client;
    return client;
  };

  const open = async (): Promise<DatabaseConnection> => {
    settings ??= loadSettings();
    let resolved: Record<string, unknown>;
    try {
      resolved = await settings;
    } catch (error) {
      settings = undefined;
      throw error;
    }
    const c = getClient() as Knex.Client & { connectionSettings: Record<string, unknown> };
    c.connectionSettings = resolved;
    const conn = (await c.acquireRawConnection()) as DatabaseConnection;
    conn.__knexUid = `__statorConn${++nextUid}`;
    if (target.dialect === 'sqlite') prepareSqlite(conn, timeoutMs);
    if (target.dialect === 'mysql' && db.ssl.mode === 'verify-full') {
      const mismatch = mysqlIdentityError(conn, target.host ?? '');
      if (mismatch) {
        await destroy(conn);
        throw mismatch;
      }
    }
    return conn;
  };

  const destroy = async (connection: DatabaseConnection): Promise<void> => {
    try {
      await getClient().destroyRawConnection(connection);
    } catch (error) {
      ctx.logger.debug('database: closing a connection failed', { error });
      const socket = connection as { destroy?: () => void; connection?: { stream?: { destroy?: () => void } } };
      socket.destroy?.();
      socket.connection?.stream?.destroy?.();
    }
  };

  const timeout = (operation: string): OperationTimeoutError =>
    new OperationTimeoutError('database', operation, timeoutMs, 'database.timeout');
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
    isUsable(connection) {
      if (connection.__knex__disposed) return false;
      if (target.dialect === 'sqlite') return (connection as { open?: boolean }).open !== false;
      return getClient().validateConnection(connection) as unknown as boolean;
    },
    async ping(connection, signal) {
      const c = getClient() as Knex.Client & {
        _query(conn: unknown, obj: { sql: string; bindings: unknown[] }): Promise<unknown>;
      };
      await withDeadline(c._query(connection, { sql: 'SELECT 1', bindings: [] }), {
        clock: ctx.clock,
        ms: timeoutMs,
        signal,
        onTimeout: () => timeout('check'),
      });
    },
    kill(connection) {
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
    },
    async cancel(connection) {
      if (target.dialect === 'sqlite') return;
      const c = getClient() as Knex.Client & { cancelQuery(conn: unknown): Promise<unknown> };
      await withDeadline(c.cancelQuery(connection), {
        clock: ctx.clock,
        ms: timeoutMs,
        onTimeout: () => timeout('cancel'),
      });
    },
  };
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
