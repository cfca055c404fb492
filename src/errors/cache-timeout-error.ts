import { StatorError } from './stator-error.js';

/**
 * A cache operation did not answer within `cache.timeout`. The operation is abandoned (its
 * reply, if it ever comes, is ignored); reads fall back, writes reject with a
 * `CacheUnavailableError` whose `cause` is this error.
 */
export class CacheTimeoutError extends StatorError {
  public readonly code = 'CACHE_TIMEOUT';
  public readonly isCacheTimeoutError = true;

  public constructor(
    /** The cache operation: `get`, `set`, ... */
    public readonly operation: string,
    /** The limit in milliseconds. */
    public readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Cache ${operation} got no answer within ${timeoutMs} ms (cache.timeout); ` +
        'the cache server may be overloaded or frozen. Check it, or raise cache.timeout.',
      options,
    );
  }
}

/** True for a {@link CacheTimeoutError}, across package copies. */
export const isCacheTimeoutError = (e: unknown): e is CacheTimeoutError =>
  !!e && e instanceof Error && 'isCacheTimeoutError' in e;
