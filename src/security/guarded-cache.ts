import type { CacheEntryInput, CacheInvalidation, CacheSetOptions, StatorCache } from '../cache/types.js';
import { AccessDeniedError } from '../errors/access-denied-error.js';
import { ALL_SCOPES } from './access-request.js';
import type { AccessCheck } from './access-check.js';
import type { Principal } from './principal.js';

/** What the guarded cache needs to know of the cache's configuration. */
export interface CacheGuardSettings {
  /** `cache.key_prefix`: Stator's own key forms are recognised after it. */
  readonly keyPrefix?: string;
}

/** The longest key a guarded call accepts, in characters (a bound before anything else is done with it). */
export const MAX_GUARDED_KEY_LENGTH = 1024;
/** How much of a refused key the audit entry keeps. */
const AUDITED_KEY_LENGTH = 256;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** The form a Memcached key takes when it is too long or has spaces (see `memcached-key.ts`). */
const HASHED_MEMCACHED_KEY = 'stator:h:';

const read = (key: string) => ({ resource: 'cache', action: 'read', scope: key }) as const;
const write = (key: string) => ({ resource: 'cache', action: 'write', scope: key }) as const;

const copyOptions = <O extends CacheSetOptions>(options: O | undefined): O | undefined =>
  options === undefined ? undefined : ({ ...options, ...(options.tags ? { tags: [...options.tags] } : {}) } as O);

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
 *
 * Arguments are copied before they are checked, so changing an array or object after the call
 * started changes nothing. Keys (and prefixes) that are not strings, longer than
 * {@link MAX_GUARDED_KEY_LENGTH}, hold a control character (Stator keeps tag and fallback entries
 * under `\x1ftag:` and `\x1ffallback:`) or name Memcached's hashed key form (`stator:h:`) are
 * refused with `ACCESS_DENIED` and audited, before any permission is looked at.
 */
export function guardCache(
  cache: () => StatorCache,
  check: AccessCheck,
  settings: CacheGuardSettings = {},
): StatorCache {
  const prefix = settings.keyPrefix ?? '';
  const problem = (key: unknown): string | undefined => {
    if (typeof key !== 'string') return `a key must be a string, got ${typeof key}`;
    if (key.length > MAX_GUARDED_KEY_LENGTH) return `key longer than ${MAX_GUARDED_KEY_LENGTH} characters`;
    if (CONTROL.test(key)) return "key holds a control character (Stator's internal namespaces use them)";
    if ((prefix + key).startsWith(HASHED_MEMCACHED_KEY)) return "key names Stator's hashed Memcached key form";
    return undefined;
  };
  /** Refuses (and audits) the first unacceptable key; otherwise the keys, copied. */
  const accept = async (keys: readonly unknown[], action: 'read' | 'write'): Promise<string[]> => {
    const copy = [...keys];
    for (const key of copy) {
      const why = problem(key);
      if (why === undefined) continue;
      const shown =
        typeof key === 'string'
          ? key.length > AUDITED_KEY_LENGTH
            ? `${key.slice(0, AUDITED_KEY_LENGTH)}…(${key.length} characters)`
            : key
          : `(${typeof key})`;
      const permission = `cache:${action}:${shown}`;
      await check.refused(
        { resource: 'cache', action, scope: shown },
        `refused key: ${why}`,
        (p: Principal) => new AccessDeniedError(p.id, permission, why),
      );
    }
    return copy as string[];
  };
  return {
    get: async (key) => {
      const [k] = await accept([key], 'read');
      await check([read(k as string)]);
      return cache().get(k as string);
    },
    has: async (key) => {
      const [k] = await accept([key], 'read');
      await check([read(k as string)]);
      return cache().has(k as string);
    },
    getMany: async (keys) => {
      const list = await accept(keys, 'read');
      await check(list.map(read));
      return cache().getMany(list);
    },
    set: async (key, value, options) => {
      const [k] = await accept([key], 'write');
      const o = copyOptions(options);
      await check([write(k as string)]);
      return cache().set(k as string, value, o);
    },
    delete: async (key) => {
      const [k] = await accept([key], 'write');
      await check([write(k as string)]);
      return cache().delete(k as string);
    },
    setMany: async (entries, options) => {
      const list = entries.map((e) => ({
        ...e,
        ...(e.tags ? { tags: [...e.tags] } : {}),
      })) as CacheEntryInput<unknown>[];
      await accept(
        list.map((e) => e.key),
        'write',
      );
      const o = copyOptions(options);
      await check(list.map((e) => write(e.key)));
      return cache().setMany(list, o);
    },
    getOrSet: async (key, loader, options) => {
      const [k] = await accept([key], 'write');
      const o = copyOptions(options);
      await check([read(k as string), write(k as string)]);
      return cache().getOrSet(k as string, loader, o);
    },
    invalidate: async (target) => {
      const copy: CacheInvalidation = {
        ...(target.keys ? { keys: [...target.keys] } : {}),
        ...(target.tags ? { tags: [...target.tags] } : {}),
        ...(target.prefix !== undefined ? { prefix: target.prefix } : {}),
      };
      await accept([...(copy.keys ?? []), ...(copy.prefix !== undefined ? [copy.prefix] : [])], 'write');
      const wide = (copy.tags?.length ?? 0) > 0 || copy.prefix !== undefined;
      await check([
        ...(copy.keys ?? []).map(write),
        ...(wide ? [{ resource: 'cache', action: 'write', scope: ALL_SCOPES } as const] : []),
      ]);
      return cache().invalidate(copy);
    },
  };
}
