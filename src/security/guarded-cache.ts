import type { StatorCache } from '../cache/types.js';
import { ALL_SCOPES } from './access-request.js';
import type { AccessCheck } from './access-check.js';

const read = (key: string) => ({ resource: 'cache', action: 'read', scope: key }) as const;
const write = (key: string) => ({ resource: 'cache', action: 'write', scope: key }) as const;

/**
 * `stator.as(...).cache`: the same API as `stator.cache`, each call checked first, with the key
 * as the scope (as the caller writes it, without `cache.key_prefix`):
 *
 * | call | needs |
 * |---|---|
 * | `get`, `has`, `getMany` | `cache:read:<key>` for each key |
 * | `set`, `delete`, `setMany` | `cache:write:<key>` for each key |
 * | `getOrSet` | `cache:read:<key>` and `cache:write:<key>` (the loader's result is stored) |
 * | `invalidate({ keys })` | `cache:write:<key>` for each key |
 * | `invalidate({ tags })`, `invalidate({ prefix })` | `cache:write:*`: tags and prefixes can reach any key |
 */
export function guardCache(cache: () => StatorCache, check: AccessCheck): StatorCache {
  return {
    get: async (key) => {
      await check([read(key)]);
      return cache().get(key);
    },
    has: async (key) => {
      await check([read(key)]);
      return cache().has(key);
    },
    getMany: async (keys) => {
      await check(keys.map(read));
      return cache().getMany(keys);
    },
    set: async (key, value, options) => {
      await check([write(key)]);
      return cache().set(key, value, options);
    },
    delete: async (key) => {
      await check([write(key)]);
      return cache().delete(key);
    },
    setMany: async (entries, options) => {
      await check(entries.map((e) => write(e.key)));
      return cache().setMany(entries, options);
    },
    getOrSet: async (key, loader, options) => {
      await check([read(key), write(key)]);
      return cache().getOrSet(key, loader, options);
    },
    invalidate: async (target) => {
      const wide = (target.tags?.length ?? 0) > 0 || target.prefix !== undefined;
      await check([
        ...(target.keys ?? []).map(write),
        ...(wide ? [{ resource: 'cache', action: 'write', scope: ALL_SCOPES } as const] : []),
      ]);
      return cache().invalidate(target);
    },
  };
}
