import type { FallbackStore } from '../resilience/index.js';
import type { StatorCache } from './types.js';

/** Seconds a last good value is kept for the `cache` fallback strategy. */
export const FALLBACK_TTL_SECONDS = 86_400;

/** Namespace of fallback copies inside the cache (after `key_prefix`). */
export const FALLBACK_NAMESPACE = '\u001ffallback:';

/**
 * The cache as the resilience pipeline's {@link FallbackStore}: the last good value of each read
 * of another resource (a database query) is kept here for a day, so that when that resource is
 * down the `cache` fallback strategy can answer. Never throws: a cache that is down too only
 * makes the strategy skip.
 */
export function cacheFallbackStore(cache: StatorCache): FallbackStore {
  return {
    async get(key: string): Promise<{ value: unknown } | undefined> {
      try {
        const stored = await cache.get<{ v: unknown }>(FALLBACK_NAMESPACE + key);
        return stored && typeof stored === 'object' && 'v' in stored ? { value: stored.v } : undefined;
      } catch {
        return undefined;
      }
    },
    async set(key: string, value: unknown): Promise<void> {
      try {
        await cache.set(FALLBACK_NAMESPACE + key, { v: value }, { ttl: FALLBACK_TTL_SECONDS });
      } catch {
        // A fallback copy that cannot be written only makes the strategy skip later.
      }
    },
  };
}
