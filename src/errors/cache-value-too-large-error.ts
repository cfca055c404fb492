import { StatorError } from './stator-error.js';

/**
 * A cache value, once serialized, is larger than the driver accepts (Memcached's item size
 * limit, or `cache.max_value_bytes`). Raised before anything is sent, so the value is never
 * silently truncated or dropped by the server.
 */
export class CacheValueTooLargeError extends StatorError {
  public readonly code = 'CACHE_VALUE_TOO_LARGE';
  public readonly isCacheValueTooLargeError = true;

  public constructor(
    /** The key, as the caller passed it (without `key_prefix`). */
    public readonly key: string,
    /** Serialized size in bytes. */
    public readonly bytes: number,
    /** The limit in bytes. */
    public readonly limit: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Cache value for key "${truncate(key)}" is ${bytes} bytes, over the limit of ${limit} bytes; ` +
        'store a smaller value, split it over several keys, or raise cache.max_value_bytes ' +
        "(and Memcached's -I item size limit).",
      options,
    );
  }
}

function truncate(key: string): string {
  return key.length > 80 ? `${key.slice(0, 77)}...` : key;
}

/** True for a {@link CacheValueTooLargeError}, across package copies. */
export const isCacheValueTooLargeError = (e: unknown): e is CacheValueTooLargeError =>
  !!e && e instanceof Error && 'isCacheValueTooLargeError' in e;
