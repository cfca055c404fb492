import { z } from 'zod';
import { rotationSection } from './rotation.js';
import { count, seconds } from './common.js';
import { DAYS, parseClockTime, parsePermission } from './policy-syntax.js';

// Key names here avoid the words the secret scrubber treats as secret (`token`, `api_key`,
// `password`): every string under such a key would be registered as a secret and scrubbed from
// every log line (an issuer `stator`, a principal `ci-bot`).

const ID = /^[A-Za-z0-9_@-][A-Za-z0-9_@.-]*$/;
const principalId = z.string().regex(ID, { error: 'expected a principal id of letters, digits and _ @ . -' });

const permission = z.string().check((ctx) => {
  try {
    parsePermission(ctx.value);
  } catch (e) {
    ctx.issues.push({ code: 'custom', message: (e as Error).message, input: ctx.value });
  }
});

const clockTime = z.string().check((ctx) => {
  try {
    parseClockTime(ctx.value);
  } catch (e) {
    ctx.issues.push({ code: 'custom', message: (e as Error).message, input: ctx.value });
  }
});

const timezone = z.string().check((ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: ctx.value });
  } catch {
    ctx.issues.push({
      code: 'custom',
      message: 'expected an IANA time zone such as UTC or Europe/Paris',
      input: ctx.value,
    });
  }
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const attributeValue = z.union([scalar, z.array(z.string())]);
const attributeMatch = z.union([scalar, z.array(scalar)]);

const conditions = z.strictObject({
  /** A recurring window: from (inclusive) and to (exclusive) `HH:MM`, days, timezone (default UTC). */
  time: z
    .strictObject({
      from: clockTime.optional(),
      to: clockTime.optional(),
      days: z.array(z.enum(DAYS)).min(1).optional(),
      timezone: timezone.optional(),
    })
    .optional(),
  /** Principal attributes (`id`, `roles`, or another attribute) and the value(s) they must have. */
  principal: z.record(z.string(), attributeMatch).optional(),
  /** Request attributes and the value(s) they must have; `${principal.id}` for ownership. */
  request: z.record(z.string(), attributeMatch).optional(),
});

const policy = z.strictObject({
  name: z.string().min(1),
  effect: z.enum(['allow', 'deny']),
  permissions: z.array(permission).min(1),
  principals: z.array(z.string().min(1)).optional(),
  roles: z.array(z.string().min(1)).optional(),
  when: conditions.optional(),
  unless: conditions.optional(),
  description: z.string().optional(),
});

const role = z.strictObject({
  /** `resource:action:scope` grants; `!resource:action:scope` denies. */
  permissions: z.array(permission).default([]),
  /** Roles whose permissions this role also has. */
  inherits: z.array(z.string().min(1)).optional(),
  description: z.string().optional(),
});

const principal = z.strictObject({
  /** `scrypt$...` from `hashPassword()` (or `stator security hash-password`). Without it, no password login. */
  password_hash: z
    .string()
    .regex(/^scrypt\$/, { error: 'expected a scrypt hash from hashPassword() ("scrypt$...")' })
    .optional(),
  /** SHA-256 hashes of this principal's API keys, from `hashApiKey()` (`sha256:<64 hex>`). The keys themselves are never stored. */
  key_hashes: z
    .array(
      z.string().regex(/^sha256:[0-9a-f]{64}$/, { error: 'expected "sha256:" and 64 hex digits from hashApiKey()' }),
    )
    .default([]),
  roles: z.array(z.string().min(1)).default([]),
  attributes: z.record(z.string(), attributeValue).default({}),
  /** Permissions granted to this principal directly. */
  permissions: z.array(permission).default([]),
  /** A disabled principal cannot authenticate, and its tokens stop working. */
  disabled: z.boolean().default(false),
});

const jwt = z.strictObject({
  /** HS256 (shared secret) or EdDSA (Ed25519 key pair). `none` and other algorithms are always refused. */
  algorithm: z.enum(['HS256', 'EdDSA']).default('HS256'),
  /** HS256 secret, 32 characters or more. Prefer `${ENV}` or `secret_file`. */
  secret: z.string().min(32, { error: 'expected a secret of at least 32 characters' }).optional(),
  secret_file: z.string().optional(),
  /** EdDSA: PKCS#8 PEM private key (signs and verifies). */
  private_key: z.string().optional(),
  private_key_file: z.string().optional(),
  /** EdDSA: SPKI PEM public key (verifies only, when this instance does not issue tokens). */
  public_key: z.string().optional(),
  public_key_file: z.string().optional(),
  /** Seconds a token is valid. */
  ttl: seconds().default(900),
  issuer: z.string().min(1).default('stator'),
  audience: z.string().min(1).default('stator'),
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clock_tolerance: seconds().default(0),
  /**
   * Seconds a token may live at most, whoever signed it: older (`iat`), longer-lived
   * (`exp - iat`) or future-dated (`iat` beyond clock_tolerance) tokens are refused. Default one day.
   */
  max_age: seconds().default(86_400),
});

const login = z.strictObject({
  /** Failed logins of one principal within `window` before it is locked out. */
  max_failures: count(1).default(5),
  /** Failed logins from one source (address) within `window` before it is locked out. */
  max_failures_per_source: count(1).default(20),
  /** Seconds over which failures are counted. */
  window: seconds().default(300),
  /** Seconds a locked-out principal or source is refused without checking its password. */
  lockout: seconds().default(900),
});

const audit = z.strictObject({
  /** The JSONL audit log, relative to filesystem.base_path; must stay inside it. */
  file: z
    .string()
    .min(1)
    .check((ctx) => {
      const f = ctx.value;
      if (f.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(f) || f.split(/[\\/]+/).includes('..')) {
        ctx.issues.push({
          code: 'custom',
          input: f,
          message: 'expected a path relative to filesystem.base_path that stays inside it, such as logs/audit.jsonl',
        });
      }
    })
    .default('logs/audit.jsonl'),
  /**
   * HMAC key of the chain (16 characters or more; prefer `${ENV}` or `key_file`): with it, whoever
   * can edit the file but lacks the key cannot recompute a valid chain. `stator audit verify
   * --config` uses the same key.
   */
  key: z.string().min(16, { error: 'expected a key of at least 16 characters' }).optional(),
  /** Read the HMAC key from this file. */
  key_file: z.string().optional(),
  /**
   * When the audit log starts a new file (the chain continues from the previous file's last entry)
   * and how many old files are kept (default: all; `stator audit verify` checks the whole set).
   */
  rotation: rotationSection({ max_size: '64MB' }).prefault({}),
  /** Also copy entries into this database table (created if missing). The file stays the record. */
  mirror_table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  /**
   * When a guarded call proceeds: `batch` once its entry is written to the file (the operating
   * system holds it; the file is flushed to disk every `batch_interval`, so a power loss loses at
   * most that much), `always` once its entry is on disk (fdatasync; concurrent calls share one).
   */
  sync: z.enum(['always', 'batch'], { error: 'expected always or batch' }).default('batch'),
  /** Seconds between two flushes to disk with `sync: batch` (at most 10). */
  batch_interval: z.number({ error: 'expected a number of seconds' }).positive().max(10).default(0.1),
  /**
   * Entries of one batch alike but for `seq` (a burst of one guarded call) share one line that
   * counts them (`"count"`, format 4). `false`: one line per entry, for readers that count lines.
   */
  runs: z.boolean().default(true),
});

/**
 * `security:` — principals, roles, policies, tokens, login limits, the audit log. All optional:
 * with nothing configured, every guarded access is denied and audited.
 */
export const securitySection = z
  .strictObject({
    principals: z.record(principalId, principal).default({}),
    roles: z.record(z.string().min(1), role).default({}),
    policies: z.array(policy).default([]),
    jwt: jwt.prefault({}),
    login: login.prefault({}),
    audit: audit.prefault({}),
    /** Principals also from this database table (see README); config principals win on a clash. */
    user_store: z
      .strictObject({
        table: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .default('stator_principals'),
      })
      .optional(),
    /**
     * PostgreSQL only: run each guarded statement under a database role (`SET LOCAL ROLE` inside
     * a transaction), the PostgREST way, so that the database refuses what the role has no GRANT
     * for. `roles` maps Stator roles to database roles (the first of a principal's roles found
     * wins); `default` is the role of a principal with none mapped (without it, such a principal's
     * queries are refused). The connecting user must be a member of each role.
     */
    database_roles: z
      .strictObject({
        roles: z.record(z.string().min(1), z.string().min(1)).default({}),
        default: z.string().min(1).optional(),
      })
      .optional(),
    /** Where revoked token ids are kept: `memory` (lost on restart) or a `database` table. */
    revocation: z
      .strictObject({
        store: z.enum(['memory', 'database']).default('memory'),
        table: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .default('stator_revoked_tokens'),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const roleNames = new Set(Object.keys(s.roles));
    const unknownRole = (name: string, path: (string | number)[]): void => {
      if (!roleNames.has(name))
        ctx.addIssue({ code: 'custom', path, message: `unknown role "${name}"; define it under security.roles` });
    };
    for (const [id, p] of Object.entries(s.principals))
      p.roles.forEach((r, i) => unknownRole(r, ['principals', id, 'roles', i]));
    for (const [name, r] of Object.entries(s.roles))
      (r.inherits ?? []).forEach((x, i) => unknownRole(x, ['roles', name, 'inherits', i]));
    s.policies.forEach((p, i) => {
      p.permissions.forEach((text, j) => {
        if (text.startsWith('!'))
          ctx.addIssue({
            code: 'custom',
            path: ['policies', i, 'permissions', j],
            message: 'write the permission without "!"; the policy\'s effect says allow or deny',
          });
      });
    });
    const cycle = inheritanceCycle(s.roles);
    if (cycle)
      ctx.addIssue({
        code: 'custom',
        path: ['roles'],
        message: `role "${cycle[0]}" inherits itself through ${cycle.join(' -> ')}`,
      });
    const names = s.policies.map((p) => p.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: `duplicate policy name "${n}"` });
    });
    if (s.jwt.secret !== undefined && s.jwt.algorithm !== 'HS256') {
      ctx.addIssue({
        code: 'custom',
        path: ['jwt', 'secret'],
        message: 'only used with algorithm HS256; EdDSA takes private_key / public_key',
      });
    }
    if (
      s.jwt.algorithm === 'EdDSA' &&
      !s.jwt.private_key &&
      !s.jwt.private_key_file &&
      !s.jwt.public_key &&
      !s.jwt.public_key_file
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwt', 'private_key_file'],
        message: 'EdDSA needs private_key_file (to issue tokens) or public_key_file (to verify them)',
      });
    }
  });

/** The validated `security` section. */
export type SecurityConfig = z.output<typeof securitySection>;
/** The `security` section as written. */
export type SecurityConfigInput = z.input<typeof securitySection>;

/**
 * The first chain of roles that inherits itself (`['a', 'b', 'a']`), or undefined. Validation checks the
 * shape of the rules without building the authorizer: configuration builds no runtime objects.
 */
function inheritanceCycle(
  roles: Readonly<Record<string, { readonly inherits?: readonly string[] | undefined }>>,
): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name) || !roles[name]) return undefined;
    for (const parent of roles[name].inherits ?? []) {
      const found = visit(parent, [...path, name]);
      if (found) return found;
    }
    done.add(name);
    return undefined;
  };
  for (const name of Object.keys(roles)) {
    const found = visit(name, []);
    if (found) return found;
  }
  return undefined;
}
