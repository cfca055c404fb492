import { StatorError } from './stator-error.js';

/**
 * Stator could not connect to the configured cache server at start: it is down, TLS failed (the
 * reason names it: unknown CA, host name mismatch, expired certificate, a server that accepts
 * only TLS), or the server refused the credentials (Redis ACL, Memcached SASL). The message names
 * the driver and where, never a password; the driver's own error is the `cause`, and the error
 * detector classifies this error by it (an authentication failure is not retried by the pipeline).
 *
 * @example
 * ```ts
 * try { await stator.start(); }
 * catch (e) {
 *   // StartupError → failures[0].error: CacheUnreachableError
 *   // "Cannot connect to the redis cache at 10.0.0.5:6380: TLS: the server's certificate is signed by an unknown CA ..."
 * }
 * ```
 */
export class CacheUnreachableError extends StatorError {
  public readonly code = 'CACHE_UNREACHABLE';
  public readonly isCacheUnreachableError = true;

  public constructor(
    /** `redis cache at 127.0.0.1:6379`, `memcached cache at mc1:11211, mc2:11211`. */
    public readonly target: string,
    /** What went wrong, secrets scrubbed. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot connect to the ${target}: ${reason}. Check that the server runs and is reachable, and the cache ` +
        'settings (cache.url or cache.host/port, cache.username/password, cache.tls); Stator keeps trying.',
      options,
    );
  }
}

/** True for a {@link CacheUnreachableError}, across package copies. */
export const isCacheUnreachableError = (e: unknown): e is CacheUnreachableError =>
  !!e && e instanceof Error && 'isCacheUnreachableError' in e;
