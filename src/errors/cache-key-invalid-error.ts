import { StatorError } from './stator-error.js';

/** A cache key or tag is not a non-empty string. */
export class CacheKeyInvalidError extends StatorError {
  public readonly code = 'CACHE_KEY_INVALID';
  public readonly isCacheKeyInvalidError = true;

  public constructor(
    /** `key` or `tag`. */
    public readonly what: 'key' | 'tag' | 'prefix',
    /** What the caller passed, described (not echoed in full). */
    public readonly got: string,
    options?: { cause?: unknown },
  ) {
    super(`Cache ${what} must be a non-empty string, got ${got}; pass a string such as "user:42".`, options);
  }
}

/** True for a {@link CacheKeyInvalidError}, across package copies. */
export const isCacheKeyInvalidError = (e: unknown): e is CacheKeyInvalidError =>
  !!e && e instanceof Error && 'isCacheKeyInvalidError' in e;
