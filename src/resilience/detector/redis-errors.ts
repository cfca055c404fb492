import type { ErrorKind } from './error-kind.js';

/** First word of a Redis error reply (ioredis `ReplyError`), as Redis sends it. */
const REPLY_PREFIX: Readonly<Record<string, ErrorKind>> = Object.freeze({
  NOAUTH: 'authentication',
  WRONGPASS: 'authentication',
  NOPERM: 'permission',
  LOADING: 'unavailable',
  BUSY: 'unavailable',
  MASTERDOWN: 'unavailable',
  CLUSTERDOWN: 'unavailable',
  TRYAGAIN: 'unavailable',
  READONLY: 'unavailable', // a replica after failover; the client reconnects to the new master
  MISCONF: 'io-error', // RDB snapshots failing: writes refused
  OOM: 'resource-exhausted',
  WRONGTYPE: 'invalid-query',
  EXECABORT: 'invalid-query',
  NOSCRIPT: 'invalid-query',
});

/** Messages ioredis produces itself when the connection is gone or a command times out. */
const CLIENT_MESSAGES: ReadonlyArray<readonly [RegExp, ErrorKind]> = [
  [/^Connection is closed\.$/, 'connection-lost'],
  [/^Stream isn't writeable and enableOfflineQueue options is false$/, 'connection-lost'],
  [/^Command aborted due to connection close$/, 'connection-lost'],
  [/^Command timed out$/, 'timeout'],
  [/^Failed to refresh slots cache/, 'unavailable'],
  [/^None of the sentinels are available$/, 'unavailable'],
];

/**
 * The kind of an ioredis error, by class name (`MaxRetriesPerRequestError`,
 * `ClusterAllFailedError`, `ReplyError`) and message, or undefined when it is not one.
 */
export function redisKind(name: string, message: string): ErrorKind | undefined {
  if (name === 'MaxRetriesPerRequestError') return 'connection-lost';
  if (name === 'ClusterAllFailedError') return 'unavailable';
  for (const [pattern, kind] of CLIENT_MESSAGES) if (pattern.test(message)) return kind;
  if (name !== 'ReplyError') return undefined;
  const word = /^[A-Z]+/.exec(message)?.[0] ?? '';
  const byPrefix = REPLY_PREFIX[word];
  if (byPrefix) return byPrefix;
  if (/^ERR max number of clients reached/.test(message)) return 'too-many-connections';
  if (/^ERR (syntax error|unknown command|wrong number of arguments|unknown subcommand)/i.test(message))
    return 'syntax';
  if (/^ERR (invalid password|AUTH|Client sent AUTH)/i.test(message)) return 'authentication';
  return 'cache-failure';
}

/** The Redis reply word (or ioredis class) that decided {@link redisKind}, for the classification's `code`. */
export function redisCode(name: string, message: string): string | undefined {
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError') return name;
  if (name !== 'ReplyError') return undefined;
  return /^[A-Z]+/.exec(message)?.[0] ?? 'ERR';
}
