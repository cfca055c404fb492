import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Knex } from 'knex';
import type { RuntimeContext } from '../kernel/context.js';
import { rotationPolicy } from '../logging/rotation/rotation-policy.js';
import { AuditLog, type AuditMirror } from './audit-log.js';
import { Authenticator } from './authenticator.js';
import { Authorizer } from './authorizer.js';
import { ConfigPrincipalStore } from './config-principal-store.js';
import { KnexAuditMirror } from './knex-audit-mirror.js';
import { KnexPrincipalStore } from './knex-principal-store.js';
import { LoginLimiter } from './login-limiter.js';
import { prepareDummyHash } from './password-hash.js';
import { LayeredPrincipalStore, type PrincipalStore } from './principal-store.js';
import { KnexRevocationStore, MemoryRevocationStore, type RevocationStore } from './revocation-store.js';
import { Security } from './security.js';
import { registerSecurityMetrics, type SecurityCounts } from './security-metrics.js';
import { TokenService, type Tokens } from './token-service.js';
import { cacheVerifiedTokens } from './verified-token-cache.js';

/** What {@link createSecurity} may use besides the runtime context. */
export interface CreateSecurityOptions {
  /**
   * Resolves a path relative to `filesystem.base_path`, refusing every escape: the filesystem
   * layer's `fs.resolve`. Without it, the path is joined to base_path and checked the same way.
   */
  readonly resolvePath?: (relativePath: string) => string;
  /**
   * The database's knex, needed by `security.user_store`, `revocation.store: database` and
   * `audit.mirror_table`. A function, because the database may start after security is built.
   */
  readonly knex?: () => Knex | undefined;
}

/**
 * Builds {@link Security} from `ctx.config.security`: principals from config (and the user store
 * table), roles and policies, token keys, login limits, the audit log at
 * `<base_path>/<security.audit.file>`, and metrics on `ctx.metrics`. Connects to nothing; the
 * audit log is opened on its first entry. Key files are read here; keys are imported in the
 * background, and {@link Security.ready} reports a key that does not parse.
 *
 * @throws Error when a key file cannot be read (the message names the setting, never the key).
 */
export function createSecurity(ctx: RuntimeContext, options: CreateSecurityOptions = {}): Security {
  const config = ctx.config.security;
  const service = createTokenService(ctx);
  const tokens: Tokens = cacheVerifiedTokens(
    {
      issue: async (id) => (await service).issue(id),
      verify: async (token) => (await service).verify(token),
    },
    ctx.clock,
  );
  // Only news when someone could hold a token: principals or a user store are configured.
  const issuesTokens = Object.keys(config.principals).length > 0 || config.user_store !== undefined;
  // The dummy hash of unknown-user logins is built now, in the background (scrypt takes real time,
  // which a start on a simulated clock must not wait for), so the first such login costs what the
  // others do.
  if (issuesTokens) void prepareDummyHash().catch(() => undefined);
  const readiness = service.then((s) => {
    if (s.ephemeral && issuesTokens)
      ctx.logger.info(
        'security.jwt has no secret: tokens are signed with a random per-process secret and stop working on restart',
      );
  });

  const lazyKnex = (what: string): Knex => {
    const knex = options.knex?.();
    if (!knex) throw new Error(`${what} needs the database; it is not available`);
    return knex;
  };
  const counts = newCounts();
  registerSecurityMetrics(ctx.metrics, counts);
  const audit = createAuditLog(ctx, counts, lazyKnex, options.resolvePath);
  const appendAudit = async (record: Parameters<AuditLog['append']>[0]): Promise<unknown> => {
    try {
      return await audit.append(record);
    } catch (error) {
      counts.audit_failures++;
      throw error;
    }
  };

  const auth = new Authenticator({
    store: principalStore(config, lazyKnex),
    tokens,
    limiter: new LoginLimiter(ctx.clock, {
      maxFailures: config.login.max_failures,
      maxFailuresPerSource: config.login.max_failures_per_source,
      windowMs: config.login.window * 1000,
      lockoutMs: config.login.lockout * 1000,
    }),
    revocations: revocationStore(ctx, lazyKnex),
    audit: appendAudit,
    count: (event) => {
      counts[event]++;
    },
  });
  const authorizer = new Authorizer({ roles: config.roles, policies: config.policies }, ctx.clock);
  return new Security(auth, authorizer, audit, counts, readiness);
}

type SecurityConfig = RuntimeContext['config']['security'];
type LazyKnex = (what: string) => Knex;

/** The token service of `security.jwt`, its key files read now (secrets registered for scrubbing). */
function createTokenService(ctx: RuntimeContext): ReturnType<typeof TokenService.create> {
  const jwt = ctx.config.security.jwt;
  const readKey = (inline: string | undefined, file: string | undefined, what: string): string | undefined => {
    if (inline) return inline;
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (cause) {
      throw new Error(`security.jwt.${what}_file: cannot read ${file}; check the path and its permissions`, { cause });
    }
  };
  const secret = jwt.secret ?? readKey(undefined, jwt.secret_file, 'secret')?.replace(/\r?\n+$/, '');
  const privateKey = readKey(jwt.private_key, jwt.private_key_file, 'private_key');
  const publicKey = readKey(jwt.public_key, jwt.public_key_file, 'public_key');
  ctx.secrets.add(secret);
  ctx.secrets.add(privateKey);
  return TokenService.create(
    {
      algorithm: jwt.algorithm,
      ...(secret ? { secret } : {}),
      ...(privateKey ? { privateKey } : {}),
      ...(publicKey ? { publicKey } : {}),
      ttl: jwt.ttl,
      issuer: jwt.issuer,
      audience: jwt.audience,
      clockTolerance: jwt.clock_tolerance,
      maxAge: Math.max(jwt.max_age, jwt.ttl),
    },
    ctx.clock,
  );
}

/** Principals from the configuration, then from the user store table when one is configured. */
function principalStore(config: SecurityConfig, lazyKnex: LazyKnex): PrincipalStore {
  const stores: PrincipalStore[] = [new ConfigPrincipalStore(config.principals)];
  if (config.user_store) {
    const table = config.user_store.table;
    let store: KnexPrincipalStore | undefined;
    stores.push({ find: (id) => (store ??= new KnexPrincipalStore(lazyKnex('security.user_store'), table)).find(id) });
  }
  return new LayeredPrincipalStore(stores);
}

/** `security.revocation.store`: in memory, or a database table (reached on first use). */
function revocationStore(ctx: RuntimeContext, lazyKnex: LazyKnex): RevocationStore {
  const revocation = ctx.config.security.revocation;
  if (revocation.store !== 'database') return new MemoryRevocationStore(ctx.clock);
  return lazyRevocations(
    () => new KnexRevocationStore(lazyKnex('security.revocation.store: database'), revocation.table, ctx.clock),
  );
}

function newCounts(): SecurityCounts {
  return {
    allow: 0,
    deny: 0,
    login_success: 0,
    login_failure: 0,
    login_rate_limited: 0,
    token_invalid: 0,
    audit_entries: 0,
    audit_failures: 0,
  };
}

/** The audit log of `security.audit`, counting its entries, mirrored to a table when configured. */
function createAuditLog(
  ctx: RuntimeContext,
  counts: SecurityCounts,
  lazyKnex: LazyKnex,
  resolvePath: ((relativePath: string) => string) | undefined,
): AuditLog {
  const config = ctx.config.security.audit;
  const auditKey = config.key ?? readAuditKey(config.key_file);
  ctx.secrets.add(auditKey);
  const mirrorTable = config.mirror_table;
  return new AuditLog({
    file: auditPath(ctx.config.filesystem.base_path, config.file, resolvePath),
    clock: ctx.clock,
    secrets: ctx.secrets,
    logger: ctx.logger,
    sync: config.sync,
    batchIntervalMs: config.batch_interval * 1000,
    runs: config.runs,
    ...(auditKey ? { key: auditKey } : {}),
    rotation: rotationPolicy(config.rotation),
    onWritten: (count) => {
      counts.audit_entries += count;
    },
    ...(mirrorTable
      ? { mirror: lazyMirror(() => new KnexAuditMirror(lazyKnex('security.audit.mirror_table'), mirrorTable)) }
      : {}),
  });
}

/** `security.audit.key_file`, trailing newline removed. */
export function readAuditKey(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n+$/, '');
  } catch (cause) {
    throw new Error(`security.audit.key_file: cannot read ${file}; check the path and its permissions`, { cause });
  }
}

function lazyMirror(make: () => AuditMirror): AuditMirror {
  let mirror: AuditMirror | undefined;
  return { write: (entries) => (mirror ??= make()).write(entries) };
}

function lazyRevocations(make: () => RevocationStore): RevocationStore {
  let store: RevocationStore | undefined;
  return {
    revoke: (jti, exp) => (store ??= make()).revoke(jti, exp),
    isRevoked: (jti) => (store ??= make()).isRevoked(jti),
    revokedNow: (jti) => (store ??= make()).revokedNow?.(jti),
  };
}

/** `<base_path>/<file>`, refusing anything outside base_path. */
function auditPath(basePath: string, file: string, resolvePath?: (p: string) => string): string {
  if (resolvePath) {
    try {
      return resolvePath(file);
    } catch (error) {
      // Before start() the filesystem refuses calls; the check below keeps the path inside base_path.
      if ((error as { code?: unknown }).code !== 'CAPABILITY_UNAVAILABLE') throw error;
    }
  }
  const base = resolve(basePath);
  const full = resolve(base, file);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`security.audit.file must stay inside filesystem.base_path, got ${file}`);
  }
  return full;
}
