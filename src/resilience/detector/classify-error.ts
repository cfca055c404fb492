import { classificationOf, type ErrorClassification, type ErrorKind } from './error-kind.js';
import { memcachedKind } from './memcached-errors.js';
import { mysqlCodeKind, mysqlErrnoKind } from './mysql-codes.js';
import { NODE_CODES } from './node-codes.js';
import { postgresKind } from './postgres-codes.js';
import { redisCode, redisKind } from './redis-errors.js';
import { sqliteKind } from './sqlite-codes.js';
import { STATOR_CODES } from './own-error-codes.js';

const UNKNOWN = classificationOf('unknown');
const MAX_DEPTH = 4;

/** Messages of pg (node-postgres) and knex that carry no code. */
const MESSAGES: ReadonlyArray<readonly [RegExp, ErrorKind]> = [
  [/^Connection terminated due to connection timeout$/, 'timeout'],
  [/^Connection terminated unexpectedly$/, 'connection-lost'],
  [/^Connection terminated$/, 'connection-lost'],
  [/^Client has encountered a connection error and is not queryable$/, 'connection-lost'],
  [/^Client was closed and is not queryable$/, 'connection-lost'],
  // mysql2, on a command sent after the server closed the connection (no code set).
  [/^Can't add new command when connection is in closed state$/, 'connection-lost'],
  [/^(Query read timeout|timeout expired|timeout exceeded when trying to connect)$/, 'timeout'],
  [/^Knex: Timeout acquiring a connection/, 'timeout'],
  [/^This job has been dropped by Bottleneck$/, 'resource-exhausted'],
  // better-sqlite3 checks the directory itself before SQLite does (a TypeError without a code).
  [/^Cannot open database because the directory does not exist$/, 'configuration'],
];

/**
 * The error detector: classifies any thrown value by kind and says whether it is transient
 * (worth a retry), whether it counts against the resource's circuit breaker, and whether a
 * fallback may answer in its place.
 *
 * It reads what the drivers set — pg's SQLSTATE `code`, mysql2's `errno`/`code`, better-sqlite3's
 * `SQLITE_*` codes, ioredis' class names and reply words, memjs' messages, Node's system error
 * codes, and Stator's own `code`s — looking through `AggregateError`s (Node tries IPv6 and IPv4
 * in turn) and `cause` chains. Anything else is `unknown`: not transient.
 *
 * Pure and cheap: no allocation for a known error (classifications are shared, frozen objects).
 * Never throws.
 *
 * @example
 * ```ts
 * try { await pool.query(sql); } catch (error) {
 *   const { kind, transient } = classifyError(error); // 'deadlock', true
 * }
 * ```
 */
export function classifyError(error: unknown): ErrorClassification {
  try {
    return classify(error, 0) ?? UNKNOWN;
  } catch {
    // A hostile object (a throwing getter or proxy) must not replace the error being handled.
    return UNKNOWN;
  }
}

function classify(error: unknown, depth: number): ErrorClassification | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return undefined;
  const e = error as {
    code?: unknown;
    errno?: unknown;
    sqlState?: unknown;
    name?: unknown;
    message?: unknown;
    isStatorError?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';

  if (e.isStatorError === true && code !== undefined) {
    const kind = code === 'POOL_TIMEOUT' && servedWhileWaiting(error) ? 'busy' : STATOR_CODES[code];
    if (kind) return classificationOf(kind, code);
  }
  // mysql2: server errors carry errno ≥ 1000 (Node's system errors carry negative errnos).
  if (typeof e.errno === 'number' && e.errno >= 1000) {
    const kind = mysqlErrnoKind(e.errno);
    if (kind) return classificationOf(kind, String(e.errno));
  }
  if (code !== undefined) {
    const kind = NODE_CODES[code] ?? mysqlCodeKind(code) ?? sqliteKind(code, message) ?? postgresKind(code);
    if (kind) return classificationOf(kind, code);
  }
  // mysql2 server errors without an errno of their own: the standard SQLSTATE class decides.
  if (typeof e.sqlState === 'string') {
    const kind = postgresKind(e.sqlState);
    if (kind) return classificationOf(kind, e.sqlState);
  }
  const redis = redisKind(name, message);
  if (redis) return classificationOf(redis, redisCode(name, message));
  const memcached = memcachedKind(message);
  if (memcached) return classificationOf(memcached);
  // knex puts the statement before the driver's message: `BEGIN ... - Connection terminated unexpectedly`.
  const at = message.lastIndexOf(' - ');
  const bare = at >= 0 ? message.slice(at + 3) : message;
  for (const [pattern, kind] of MESSAGES)
    if (pattern.test(bare) || pattern.test(message)) return classificationOf(kind);
  if (name === 'KnexTimeoutError' || name === 'TimeoutError') return classificationOf('timeout');
  if (name === 'AbortError') return classificationOf('aborted');

  if (Array.isArray(e.errors)) {
    for (const inner of e.errors as unknown[]) {
      const found = classify(inner, depth + 1);
      if (found) return found;
    }
  }
  return e.cause !== undefined ? classify(e.cause, depth + 1) : undefined;
}

/**
 * A pool timeout after which the pool had lent connections to earlier requests: back-pressure
 * (the callers hold every connection, the database answers them), like a busy SQLite file, not
 * a sign the database is unhealthy. A timeout in which no connection came back still counts.
 */
function servedWhileWaiting(error: object): boolean {
  const details = (error as { details?: { lentWhileWaiting?: unknown } }).details;
  return typeof details?.lentWhileWaiting === 'number' && details.lentWhileWaiting > 0;
}
