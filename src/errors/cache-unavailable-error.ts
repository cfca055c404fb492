import { StatorError } from './stator-error.js';

/**
 * A cache write or invalidation could not reach the cache server: it is down, frozen, or the
 * cache circuit breaker is open and refuses calls without trying. Reads never raise this (they
 * are answered from the fallback chain); writes do, so the caller knows the value was not stored.
 * The underlying error (timeout, connection refused, circuit open) is the `cause`.
 */
export class CacheUnavailableError extends StatorError {
  public readonly code = 'CACHE_UNAVAILABLE';
  public readonly isCacheUnavailableError = true;

  public constructor(
    /** The cache operation that failed: `set`, `delete`, `invalidate`, ... */
    public readonly operation: string,
    /** Why, in a few words: `circuit open`, `timeout`, or the driver's message. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Cache ${operation} failed: ${reason}. The cache server is unreachable or the cache breaker is open; ` +
        'the value was not written. Check the server named in stator.health().resources.cache; ' +
        'Stator reconnects by itself when it is back.',
      options,
    );
  }
}

/** True for a {@link CacheUnavailableError}, across package copies. */
export const isCacheUnavailableError = (e: unknown): e is CacheUnavailableError =>
  !!e && e instanceof Error && 'isCacheUnavailableError' in e;
