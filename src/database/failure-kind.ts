import type { Dialect } from './dialect.js';

/**
 * What kind of failure a database error is, per dialect:
 * - `deadlock` — PostgreSQL 40P01, MySQL 1213 (ER_LOCK_DEADLOCK);
 * - `serialization` — PostgreSQL 40001;
 * - `lock_timeout` — MySQL 1205 (ER_LOCK_WAIT_TIMEOUT; by default it rolls back only the
 *   statement, so Stator rolls back the whole transaction before retrying);
 * - `busy` — SQLite SQLITE_BUSY / SQLITE_LOCKED (another process holds the lock);
 * - `connection` — the connection broke (server shutdown or KILL, reset, terminated);
 * - `other` — anything else.
 */
export type FailureKind = 'deadlock' | 'serialization' | 'lock_timeout' | 'busy' | 'connection' | 'other';

const PG_CONNECTION = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const MYSQL_CONNECTION_ERRNO = new Set([1053, 1927, 2006, 2013]);
const NET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN']);

/** Classifies `error` as a {@link FailureKind}. */
export function failureKind(dialect: Dialect, error: unknown): FailureKind {
  if (!error || typeof error !== 'object') return 'other';
  const e = error as { code?: unknown; errno?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (dialect === 'postgresql') {
    if (code === '40P01') return 'deadlock';
    if (code === '40001') return 'serialization';
    if ((code && PG_CONNECTION.has(code)) || /Connection terminated|terminating connection|Client has encountered a connection error|Connection ended/i.test(message)) {
      return 'connection';
    }
  } else if (dialect === 'mysql') {
    if (e.errno === 1213 || code === 'ER_LOCK_DEADLOCK') return 'deadlock';
    if (e.errno === 1205 || code === 'ER_LOCK_WAIT_TIMEOUT') return 'lock_timeout';
    if ((typeof e.errno === 'number' && MYSQL_CONNECTION_ERRNO.has(e.errno)) || /connection is in closed state|Can't add new command when connection is in closed state/i.test(message)) {
      return 'connection';
    }
  } else if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code?.startsWith('SQLITE_BUSY_')) {
    return 'busy';
  }
  if (code && NET_CODES.has(code)) return 'connection';
  const cause = (error as { cause?: unknown }).cause;
  return cause && cause !== error ? failureKind(dialect, cause) : 'other';
}

/** Failure kinds after which the whole transaction may run again: the database rolled it back or can. */
export const CONTENTION_KINDS: ReadonlySet<FailureKind> = new Set(['deadlock', 'serialization', 'lock_timeout', 'busy']);
