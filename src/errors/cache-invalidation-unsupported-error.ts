import { StatorError } from './stator-error.js';

/**
 * The cache driver cannot perform this kind of invalidation. Memcached cannot list its keys,
 * so `invalidate({ prefix })` is refused there instead of silently doing nothing; use tags
 * (`set(key, value, { tags })` then `invalidate({ tags })`) for groups of keys on Memcached.
 */
export class CacheInvalidationUnsupportedError extends StatorError {
  public readonly code = 'CACHE_INVALIDATION_UNSUPPORTED';
  public readonly isCacheInvalidationUnsupportedError = true;

  public constructor(
    /** The cache driver: `memcached`, ... */
    public readonly driver: string,
    /** The kind of invalidation: `prefix`. */
    public readonly kind: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The ${driver} cache driver cannot invalidate by ${kind}: it cannot enumerate its keys. ` +
        'Tag the entries when you set them and invalidate by tag instead, or use the redis or memory driver.',
      options,
    );
  }
}

/** True for a {@link CacheInvalidationUnsupportedError}, across package copies. */
export const isCacheInvalidationUnsupportedError = (e: unknown): e is CacheInvalidationUnsupportedError =>
  !!e && e instanceof Error && 'isCacheInvalidationUnsupportedError' in e;
