import type { StatorCache } from '../cache/types.js';
import type { StatorDb } from '../database/database-api.js';
import type { StatorFs } from '../filesystem/filesystem-api.js';
import { accessCheck, type GuardOptions } from './access-check.js';
import { guardCache, type CacheGuardSettings } from './guarded-cache.js';
import { guardDb, type DbGuardSettings } from './guarded-db.js';
import { guardFs, type FsGuardSettings } from './guarded-fs.js';
import type { Principal } from './principal.js';
import type { Security, Subject } from './security.js';

/**
 * What `stator.as(tokenOrPrincipal)` returns: `cache`, `db` and `fs` with the same API as
 * `stator`'s own, where every call is checked (token verified, permission decided, decision
 * audited) before it touches anything. A refused call throws `AccessDeniedError` naming the
 * missing permission (or `TokenInvalidError` for a refused token).
 *
 * @example
 * ```ts
 * const { token } = await stator.auth.authenticate({ username: 'alice', password });
 * const alice = stator.as(token, { source: req.ip });
 * await alice.db.knex('orders').where({ customer: 'alice' });  // needs db:read:orders
 * await alice.fs.writeFile('uploads/alice/a.png', bytes);        // needs fs:write:uploads/alice/a.png
 * ```
 */
export interface GuardedAccess {
  readonly cache: StatorCache;
  readonly db: StatorDb;
  readonly fs: StatorFs;
  /** The principal, checked now (a token is verified again). */
  principal(): Promise<Principal>;
}

/** Where the guarded facades find the real APIs (getters: a capability may be absent or replaced). */
export interface GuardTargets {
  readonly cache: () => StatorCache;
  readonly db: () => StatorDb;
  readonly fs: () => StatorFs;
  /** How table names are canonicalised and which database roles apply (see `guardDb`). */
  readonly dbSettings?: DbGuardSettings;
  /** `cache.key_prefix`, so that Stator's own key forms are recognised. */
  readonly cacheSettings?: CacheGuardSettings;
  /** Mode cap and Stator's own files (see `guardFs`). */
  readonly fsSettings?: FsGuardSettings;
}

/** Builds the guarded facades of `stator.as(subject, options)`. */
export function guardAccess(
  security: Security,
  subject: Subject,
  targets: GuardTargets,
  options: GuardOptions = {},
): GuardedAccess {
  const check = accessCheck(security, subject, options);
  let cache: StatorCache | undefined;
  let db: StatorDb | undefined;
  let fs: StatorFs | undefined;
  return {
    get cache() {
      return (cache ??= guardCache(targets.cache, check, targets.cacheSettings));
    },
    get db() {
      return (db ??= guardDb(targets.db, check, targets.dbSettings));
    },
    get fs() {
      return (fs ??= guardFs(targets.fs, check, targets.fsSettings));
    },
    principal: async () => {
      await security.ready();
      return security.principalOf(subject, options.source);
    },
  };
}
