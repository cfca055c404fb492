import type { CacheEntryInput, CacheInvalidation, CacheSetOptions, StatorCache } from '../cache/types.js';
import { AccessDeniedError } from '../errors/access-denied-error.js';
import { ALL_SCOPES, type AccessRequest } from './access-request.js';
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

type Action = 'read' | 'write';
type Request = Omit<AccessRequest, 'attributes'>;

const read = (key: string): Request => ({ resource: 'cache', action: 'read', scope: key });
const write = (key: string): Request => ({ resource: 'cache', action: 'write', scope: key });
const ALL_WRITE: Request = { resource: 'cache', action: 'write', scope: ALL_SCOPES };

const copyOptions = <O extends CacheSetOptions>(options: O | undefined): O | undefined =>
  options === undefined ? undefined : ({ ...options, ...(options.tags ? { tags: [...options.tags] } : {}) } as O);

/**
 * What a key must begin with for `prefix + key` to begin with Stator's hashed Memcached key form:
 * `''` when the prefix already does (every key), `undefined` when no key can. Worked out once, so
 * that a call tests the key without concatenating it to the prefix.
 */
function hashedFormRest(prefix: string): string | undefined {
  if (prefix.startsWith(HASHED_MEMCACHED_KEY)) return '';
  return HASHED_MEMCACHED_KEY.startsWith(prefix) ? HASHED_MEMCACHED_KEY.slice(prefix.length) : undefined;
}

/** Why a key is refused before any permission is looked at, or `undefined` when it is acceptable. */
function keyProblem(key: unknown, hashedRest: string | undefined): string | undefined {
  if (typeof key !== 'string') return `a key must be a string, got ${typeof key}`;
  if (key.length > MAX_GUARDED_KEY_LENGTH) return `key longer than ${MAX_GUARDED_KEY_LENGTH} characters`;
  if (CONTROL.test(key)) return "key holds a control character (Stator's internal namespaces use them)";
  if (hashedRest !== undefined && key.startsWith(hashedRest)) return "key names Stator's hashed Memcached key form";
  return undefined;
}

/** Audits a refused key (shortened) and throws `ACCESS_DENIED`. */
function refuseKey(check: AccessCheck, key: unknown, action: Action, why: string): Promise<never> {
  const shown =
    typeof key !== 'string'
      ? `(${typeof key})`
      : key.length > AUDITED_KEY_LENGTH
        ? `${key.slice(0, AUDITED_KEY_LENGTH)}…(${key.length} characters)`
        : key;
  const permission = `cache:${action}:${shown}`;
  return check.refused(
    { resource: 'cache', action, scope: shown },
    `refused key: ${why}`,
    (p: Principal) => new AccessDeniedError(p.id, permission, why),
  );
}

/** What every guarded cache call goes through: its keys accepted, its permissions checked. */
class KeyGate {
  public constructor(
    private readonly check: AccessCheck,
    /** See {@link hashedFormRest}. */
    private readonly hashedRest: string | undefined,
  ) {}

  /** One key: refused (audited) when unacceptable, else `cache:<action>:<key>` checked, then `run(key)`. */
  public one<R>(key: unknown, action: Action, run: (k: string) => Promise<R>): Promise<R> {
    try {
      const why = keyProblem(key, this.hashedRest);
      if (why !== undefined) return refuseKey(this.check, key, action, why);
      return this.check.run('cache', action, key as string, run, key as string);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** One key read and written (`getOrSet`): refused when unacceptable, else both checked, then `run(key)`. */
  public readWrite<R>(key: unknown, run: (k: string) => Promise<R>): Promise<R> {
    try {
      const why = keyProblem(key, this.hashedRest);
      if (why !== undefined) return refuseKey(this.check, key, 'write', why);
      return this.check([read(key as string), write(key as string)]).then(() => run(key as string));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Several keys (already copied): the first unacceptable one refused, else `requests` checked, then `run`. */
  public async many<R>(keys: readonly unknown[], action: Action, requests: () => Request[], run: () => Promise<R>) {
    for (const key of keys) {
      const why = keyProblem(key, this.hashedRest);
      if (why !== undefined) return refuseKey(this.check, key, action, why);
    }
    await this.check(requests());
    return run();
  }
}

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
  const gate = new KeyGate(check, hashedFormRest(settings.keyPrefix ?? ''));
  // Made once: a call passes its key to them rather than making a closure of its own.
  const get = (k: string): Promise<unknown> => cache().get(k);
  const has = (k: string): Promise<boolean> => cache().has(k);
  const del = (k: string): Promise<boolean> => cache().delete(k);
  return {
    get: <T>(key: string) => gate.one(key, 'read', get) as Promise<T | undefined>,
    has: (key) => gate.one(key, 'read', has),
    set: async (key, value, options) => {
      const o = copyOptions(options);
      return gate.one(key, 'write', (k) => cache().set(k, value, o));
    },
    delete: (key) => gate.one(key, 'write', del),
    getOrSet: async (key, loader, options) => {
      const o = copyOptions(options);
      return gate.readWrite(key, (k) => cache().getOrSet(k, loader, o));
    },
    getMany: async (keys) => {
      const list = [...keys];
      return gate.many(
        list,
        'read',
        () => list.map(read),
        () => cache().getMany(list),
      );
    },
    setMany: async (entries, options) => {
      const o = copyOptions(options);
      const list = entries.map((e) => ({
        ...e,
        ...(e.tags ? { tags: [...e.tags] } : {}),
      })) as CacheEntryInput<unknown>[];
      const keys = list.map((e) => e.key);
      return gate.many(
        keys,
        'write',
        () => keys.map(write),
        () => cache().setMany(list, o),
      );
    },
    invalidate: async (target) => {
      const copy: CacheInvalidation = {
        ...(target.keys ? { keys: [...target.keys] } : {}),
        ...(target.tags ? { tags: [...target.tags] } : {}),
        ...(target.prefix !== undefined ? { prefix: target.prefix } : {}),
      };
      const wide = (copy.tags?.length ?? 0) > 0 || copy.prefix !== undefined;
      const named = [...(copy.keys ?? []), ...(copy.prefix !== undefined ? [copy.prefix] : [])];
      const requests = (): Request[] => [...(copy.keys ?? []).map(write), ...(wide ? [ALL_WRITE] : [])];
      return gate.many(named, 'write', requests, () => cache().invalidate(copy));
    },
  };
}
