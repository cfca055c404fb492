import type { StatorCache } from '../cache/types.js';
import type { StatorDb } from '../database/database-api.js';
import type { StatorFs } from '../filesystem/filesystem-api.js';
import { resolve } from 'node:path';
import type { RuntimeContext } from '../kernel/context.js';
import type { GuardOptions } from './access-check.js';
import type { Authenticator } from './authenticator.js';
import { createSecurity } from './create-security.js';
import { guardAccess, type GuardedAccess } from './guard-access.js';
import type { Security, Subject } from './security.js';

/** What {@link secureStator} needs of a Stator (a `Stator` from `createStator` fits). */
export interface SecurableStator {
  readonly context: RuntimeContext;
  readonly cache: StatorCache;
  readonly fs: StatorFs;
  readonly db: StatorDb;
}

/** `stator.auth` and `stator.as(...)`, and the {@link Security} behind them. */
export interface SecuredStator {
  readonly security: Security;
  /** `authenticate`, `verify`, `revoke`. */
  readonly auth: Authenticator;
  /** The same `cache`, `db` and `fs`, every call checked and audited for `subject` (a token or a principal). */
  as(subject: Subject, options?: GuardOptions): GuardedAccess;
}

/**
 * Adds security to a Stator: `auth` and `as(...)`, with the audit log at
 * `filesystem.base_path/security.audit.file` (resolved through `stator.fs`, so it is sandboxed)
 * and the user store, revocation table and audit mirror on `stator.db.knex`.
 *
 * @example
 * ```ts
 * const stator = createStator({ config: 'stator.yaml' });
 * const { auth, as } = secureStator(stator);
 * await stator.start();
 * const { token } = await auth.authenticate({ username: 'alice', password, source: req.ip });
 * await as(token, { source: req.ip }).cache.get('user:alice:cart');
 * ```
 */
export function secureStator(stator: SecurableStator): SecuredStator {
  // One security per Stator: `stator.auth` / `stator.as` and an explicit call share it (and its
  // metrics, audit chain and login limits).
  let secured = securedByStator.get(stator);
  if (!secured) securedByStator.set(stator, (secured = buildSecured(stator)));
  return secured;
}

/** Files Stator keeps for itself under or beside base_path: never reachable through the guarded fs. */
function statorFiles(config: RuntimeContext['config']): string[] {
  const base = resolve(config.filesystem.base_path);
  const files = [resolve(base, config.security.audit.file)];
  if (config.events.path !== undefined) files.push(resolve(base, config.events.path));
  if (config.database.driver === 'sqlite' && config.database.filename !== ':memory:')
    files.push(resolve(base, config.database.filename));
  return files;
}

const securedByStator = new WeakMap<SecurableStator, SecuredStator>();

function buildSecured(stator: SecurableStator): SecuredStator {
  // Without a filesystem capability (createStator({ layers: { filesystem: false } })) the audit
  // log path is still kept inside base_path, by createSecurity's own check.
  let fs: StatorFs | undefined;
  try {
    fs = stator.fs;
  } catch {
    fs = undefined;
  }
  const security = createSecurity(stator.context, {
    ...(fs ? { resolvePath: (path: string) => (fs as StatorFs).resolve(path) } : {}),
    knex: () => stator.db.knex,
  });
  const config = stator.context.config;
  const roles = config.security.database_roles;
  const targets = {
    cache: () => stator.cache,
    db: () => stator.db,
    fs: () => stator.fs,
    cacheSettings: { keyPrefix: config.cache.key_prefix },
    fsSettings: { permissions: config.filesystem.permissions, protectedPaths: () => statorFiles(config) },
    dbSettings: {
      // PostgreSQL: unqualified names live in `public`; MySQL: in the configured database.
      ...(config.database.driver === 'mysql' ? { defaultSchema: config.database.database } : {}),
      ...(roles
        ? { databaseRoles: { roles: roles.roles, ...(roles.default !== undefined ? { default: roles.default } : {}) } }
        : {}),
    },
  };
  return {
    security,
    auth: security.auth,
    as: (subject, options) => guardAccess(security, subject, targets, options),
  };
}
