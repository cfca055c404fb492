/**
 * The public surface of `stator.cache`: one API over the redis, memcached and memory drivers,
 * with the same semantics on each.
 */

/** Options of {@link StatorCache.set} and {@link StatorCache.setMany}. */
export interface CacheSetOptions {
  /**
   * Seconds to live. `0` = no expiry. Default `cache.default_ttl`. The entry expires somewhat
   * earlier when `cache.ttl_jitter` is above 0 (never later).
   */
  readonly ttl?: number;
  /** Tags to invalidate the entry by, later: `invalidate({ tags: ['user:42'] })`. */
  readonly tags?: readonly string[];
}

/** One entry of {@link StatorCache.setMany}; its own `ttl`/`tags` override the shared options. */
export interface CacheEntryInput<T> extends CacheSetOptions {
  readonly key: string;
  readonly value: T;
}

/** What a {@link CacheLoader} receives. */
export interface CacheLoaderContext {
  /** The key being loaded, as the caller passed it. */
  readonly key: string;
  /** True when the loader refreshes a stale entry in the background. */
  readonly refresh: boolean;
}

/** Loads the value of a key that is not in the cache. Return `undefined` for "does not exist". */
export type CacheLoader<T> = (context: CacheLoaderContext) => Promise<T> | T;

/** Options of {@link StatorCache.getOrSet}. */
export interface CacheGetOrSetOptions extends CacheSetOptions {
  /**
   * Seconds after `ttl` during which the old value is still served while one background call
   * of the loader refreshes it (stale-while-revalidate). Default 0 (off).
   */
  readonly staleWhileRevalidate?: number;
  /**
   * Seconds to remember that the loader returned `undefined` (negative caching), so a missing
   * row is not looked up again on every call. Default `cache.negative_ttl` (0 = off).
   */
  readonly negativeTtl?: number;
}

/** What {@link StatorCache.invalidate} removes; give at least one. */
export interface CacheInvalidation {
  readonly keys?: readonly string[];
  readonly tags?: readonly string[];
  /** Every key starting with this (after `key_prefix`). Not supported by memcached. */
  readonly prefix?: string;
}

/** What {@link StatorCache.invalidate} did. */
export interface CacheInvalidationResult {
  /**
   * Entries removed, when the driver can count them (memcached tag invalidation cannot: it
   * bumps a tag version and the entries become unreadable; then `undefined`).
   */
  readonly removed: number | undefined;
}

/**
 * Turns values into text and back. The default ({@link jsonSerializer}) is JSON that keeps
 * `Date`, `Buffer`, `BigInt`, `Map` and `Set`; pass your own to `createCacheLayer` for other
 * types or formats (binary formats: encode to base64 or latin1 text).
 */
export interface CacheSerializer {
  /** Throws for values it cannot represent. */
  serialize(value: unknown): string;
  deserialize(text: string): unknown;
}

/**
 * `stator.cache`: a cache-aside cache over Redis, Memcached or process memory.
 *
 * Keys are strings; `cache.key_prefix` is prepended to every key and tag on the server.
 * When the server is down, reads answer from the fallback chain (a local copy of what was read
 * last, then a miss), `getOrSet` calls the loader directly, and writes reject with
 * `CacheUnavailableError` (at once, once the cache breaker is open). No call waits longer than
 * `cache.timeout`.
 *
 * @example
 * ```ts
 * const user = await stator.cache.getOrSet(`user:${id}`, () => db.users.find(id), {
 *   ttl: 300, staleWhileRevalidate: 60, tags: [`tenant:${tenantId}`],
 * });
 * await stator.cache.invalidate({ tags: [`tenant:${tenantId}`] });
 * ```
 */
export interface StatorCache {
  /** The fresh value of `key`, or `undefined` on a miss (or when the cache is down and no fallback has it). */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Stores `value` under `key`.
   * @throws CacheValueTooLargeError when the serialized value is over the driver's limit (nothing is sent).
   * @throws CacheValueNotSerializableError for `undefined`, functions, circular values.
   * @throws CacheUnavailableError when the cache cannot be reached (or its breaker is open).
   */
  set<T>(key: string, value: T, options?: CacheSetOptions): Promise<void>;
  /** Removes `key`; true when it was there. @throws CacheUnavailableError */
  delete(key: string): Promise<boolean>;
  /** True when `key` holds a fresh value (what `get` would return). */
  has(key: string): Promise<boolean>;
  /** The values of `keys`, in order, `undefined` for each miss (all misses when the cache is down). */
  getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>>;
  /** Stores several entries. @throws as {@link StatorCache.set} */
  setMany<T>(entries: readonly CacheEntryInput<T>[], options?: CacheSetOptions): Promise<void>;
  /**
   * The cached value of `key`, or the loader's result (stored for next time). Concurrent calls
   * for one key in this process share one loader call. With `staleWhileRevalidate`, an expired
   * value is served while one background call refreshes it. When the cache is down, the loader
   * is called directly and its result returned. Loader errors reach every waiting caller and are
   * not cached.
   */
  getOrSet<T>(key: string, loader: CacheLoader<T>, options?: CacheGetOrSetOptions): Promise<T>;
  /**
   * Removes entries by key, by tag and/or by prefix, and publishes `cache.invalidated` on
   * `stator.events$`.
   * @throws CacheInvalidationUnsupportedError for `prefix` on memcached.
   * @throws CacheUnavailableError when the cache cannot be reached.
   */
  invalidate(target: CacheInvalidation): Promise<CacheInvalidationResult>;
}
