import { StatorError } from './stator-error.js';

/**
 * A value given to the cache cannot be serialized (`undefined`, a function, a symbol, a circular
 * structure, or whatever the configured serializer refuses), or a stored value cannot be read
 * back with the configured serializer.
 */
export class CacheValueNotSerializableError extends StatorError {
  public readonly code = 'CACHE_VALUE_NOT_SERIALIZABLE';
  public readonly isCacheValueNotSerializableError = true;

  public constructor(
    /** The key, as the caller passed it. */
    public readonly key: string,
    /** What went wrong, in a few words. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Cache value for key "${key.length > 80 ? `${key.slice(0, 77)}...` : key}" cannot be serialized: ${reason}. ` +
        'Store plain data (objects, arrays, strings, numbers, booleans, null, Date, Buffer, BigInt, Map, Set), ' +
        'or configure a serializer that handles this type; use delete() rather than storing undefined.',
      options,
    );
  }
}

/** True for a {@link CacheValueNotSerializableError}, across package copies. */
export const isCacheValueNotSerializableError = (e: unknown): e is CacheValueNotSerializableError =>
  !!e && e instanceof Error && 'isCacheValueNotSerializableError' in e;
