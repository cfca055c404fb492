import { CacheUnreachableError } from '../errors/cache-unreachable-error.js';
import { SecretRegistry } from '../logging/redact.js';
import { classifyError } from '../resilience/index.js';
import { explainTlsFailure } from '../resilience/detector/tls-failure.js';

/** What {@link cacheConnectFailure} needs to know about the connection that failed. */
export interface CacheTarget {
  /** `redis cache at 127.0.0.1:6379`. */
  readonly description: string;
  readonly driver: 'redis' | 'memcached';
  /** Whether TLS was configured (`cache.tls` or `rediss://`). */
  readonly tls: boolean;
  /** Secrets of the connection (password), scrubbed from the reason. */
  readonly secrets: readonly (string | undefined)[];
}

const messageOf = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
};

/**
 * The {@link CacheUnreachableError} for a cache that could not be connected to at start, its
 * reason naming the cause: the TLS failure (see `explainTlsFailure`), refused credentials (Redis
 * ACL `WRONGPASS`/`NOAUTH`, Memcached SASL), or a plain connection that a TLS-only server cut.
 * `error` is the driver's error with the most information (ioredis reports the TLS or AUTH error
 * as an event and rejects `connect()` with a bare "Connection is closed.").
 */
export function cacheConnectFailure(error: unknown, target: CacheTarget): CacheUnreachableError {
  const secrets = new SecretRegistry();
  for (const secret of target.secrets) secrets.add(secret);
  const raw = messageOf(error);
  let reason = raw;
  const tls = explainTlsFailure(error, 'cache.tls', target.tls);
  const { kind } = classifyError(error);
  if (tls) {
    reason = `${tls.message} (${raw})`;
  } else if (kind === 'authentication') {
    reason =
      target.driver === 'redis'
        ? `Redis refused the credentials (${raw}); check cache.username and cache.password (or the URL's user and password) against the server's ACL users`
        : `Memcached refused the SASL credentials (${raw}); check cache.username and cache.password`;
  } else if (!target.tls && target.driver === 'redis' && kind === 'connection-lost') {
    reason = `the server closed the connection at once (${raw}); if it accepts only TLS, use a rediss:// URL or set cache.tls`;
  }
  return new CacheUnreachableError(target.description, secrets.scrub(reason), { cause: error });
}

/**
 * Of two errors seen while connecting, the one that says more: a TLS failure or refused
 * credentials beats what follows it (a Cluster's "Failed to refresh slots cache.", a bare close).
 */
export function moreTelling(kept: unknown, next: unknown): unknown {
  return isTelling(kept) && !isTelling(next) ? kept : next;
}

/** True for an error that names its cause: a TLS failure or refused credentials. */
export const isTelling = (e: unknown): boolean =>
  e !== undefined &&
  (explainTlsFailure(e, 'cache.tls', true) !== undefined || classifyError(e).kind === 'authentication');
