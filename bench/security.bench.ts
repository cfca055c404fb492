/**
 * What guarded access costs:
 *
 * 1. Authorization decisions/s (pure, in memory): a role grant, a template grant, and a request
 *    that also evaluates a time-window policy in another timezone.
 * 2. Token verifications/s (HS256 with jose, claims checked, revocation looked up).
 * 3. Memory-cache `get`: unguarded (baseline), `as(principal)` and `as(token)`, in paired rounds
 *    ({@link comparePaired}); each guarded call also appends a hash-chained audit entry to a file
 *    before it proceeds (fail closed), with `security.audit.sync: batch` (the entry is in the file;
 *    flushed to disk every 100 ms). Entries of concurrent calls leave in one write (group commit);
 *    verified tokens and decisions are cached. Targets (issue 16): at concurrency 32 a guarded get
 *    costs at most 3x an unguarded one; at concurrency 1 at most 25 µs more. The same with
 *    `sync: always` (each call waits for fdatasync, shared by concurrent calls) is printed without
 *    a target.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCacheLayer } from '../src/cache/index.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/logging/logger.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { createSecurity } from '../src/security/create-security.js';
import { guardAccess } from '../src/security/guard-access.js';
import { sqlAccess } from '../src/security/sql-access.js';
import { hashPassword } from '../src/security/password-hash.js';
import type { Principal } from '../src/security/principal.js';
import { comparePaired, measure, printComparison, printTarget } from './harness.js';

export async function run(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'stator-bench-security-'));
  try {
    const config = loadConfig({
      filesystem: { base_path: base },
      cache: { driver: 'memory' },
      security: {
        principals: {
          alice: {
            password_hash: await hashPassword('bench-pw', { N: 1024 }),
            roles: ['reader', 'tenant'],
            attributes: { tenant: 'acme' },
          },
        },
        roles: {
          reader: { permissions: ['cache:read:*', 'db:read:*'] },
          tenant: { permissions: ['db:*:tenant_${principal.tenant}_*', 'fs:*:home/${principal.id}/**'] },
        },
        policies: [
          {
            name: 'office-hours',
            effect: 'deny',
            permissions: ['db:write:*'],
            unless: {
              time: { from: '08:00', to: '18:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'], timezone: 'Europe/Paris' },
            },
          },
        ],
        jwt: { secret: 'bench-secret-0123456789-abcdefghijklmnop' },
      },
    });
    const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
    const security = createSecurity(ctx);
    await security.ready();
    const alice: Principal = { id: 'alice', roles: ['reader', 'tenant'], attributes: { tenant: 'acme' } };
    const { authorizer } = security;

    printComparison('security: authorization decisions (in memory)', [
      await measure('decide: role grant (cache:read:user:1)', () =>
        authorizer.decide(alice, { resource: 'cache', action: 'read', scope: 'user:1' }),
      ),
      await measure('decide: template grant (db:read:tenant_acme_orders)', () =>
        authorizer.decide(alice, { resource: 'db', action: 'read', scope: 'tenant_acme_orders' }),
      ),
      await measure('decide: + time policy in Europe/Paris (db:write)', () =>
        authorizer.decide(alice, { resource: 'db', action: 'write', scope: 'tenant_acme_orders' }),
      ),
      await measure('decide: denied, nothing grants (fs:write:etc)', () =>
        authorizer.decide(alice, { resource: 'fs', action: 'write', scope: 'etc/x' }),
      ),
    ]);

    // Guarded SQL decisions: the authorizer alone, then with the SQL parsed first (node-sql-parser).
    const knex = (await import('knex')).default({ client: 'pg' });
    const compiled = knex('tenant_acme_orders')
      .join('tenant_acme_lines', 'tenant_acme_lines.order_id', 'tenant_acme_orders.id')
      .where('tenant_acme_orders.id', 1)
      .select('*')
      .toSQL()
      .toNative().sql;
    printComparison('security: guarded SQL decisions, before and after the parser', [
      await measure('decide only (2 tables)', () => {
        authorizer.decide(alice, { resource: 'db', action: 'read', scope: 'tenant_acme_orders' });
        authorizer.decide(alice, { resource: 'db', action: 'read', scope: 'tenant_acme_lines' });
      }),
      await measure('sqlAccess(new sql each time) + decide', () => {
        for (const t of sqlAccess(`${compiled} and 1 = ${Math.random()}`.replace(/\$1 and/, '$1 and'), {
          dialect: 'postgresql',
        }).tables)
          authorizer.decide(alice, { resource: 'db', action: t.action, scope: t.table });
      }),
      await measure('sqlAccess(repeated sql, cached) + decide', () => {
        for (const t of sqlAccess(compiled, { dialect: 'postgresql' }).tables)
          authorizer.decide(alice, { resource: 'db', action: t.action, scope: t.table });
      }),
    ]);
    await knex.destroy();

    // Linear-time scrubbing and failed logins on growing inputs (1k, 8k, 64k characters).
    const scrubRows = [];
    for (const n of [1_000, 8_000, 64_000]) {
      const hostile = 'a://'.repeat(Math.ceil(n / 4)).slice(0, n);
      scrubRows.push(
        await measure(`scrub ${n} chars ('a://' repeated)`, () => ctx.secrets.scrub(hostile), { durationMs: 500 }),
      );
    }
    printComparison(
      'security: scrubbing hostile input (linear: ns/op grows with length, 64k well under 5 ms)',
      scrubRows,
    );
    const loginRows = [];
    for (const n of [1_000, 8_000, 64_000]) {
      const name = 'u'.repeat(n);
      loginRows.push(
        await measure(
          `failed login, ${n}-char user name`,
          () => security.auth.authenticate({ username: name, password: 'x' }).catch(() => undefined),
          { durationMs: 500 },
        ),
      );
    }
    printComparison('security: failed login with oversized user names (refused before any work)', loginRows);

    const { token } = await security.auth.authenticate({ username: 'alice', password: 'bench-pw' });
    printComparison('security: token verification (HS256, jose)', [
      await measure('auth.verify(token)', () => security.auth.verify(token)),
      await measure('auth.verify(token), 16 concurrent', () => security.auth.verify(token), { concurrency: 16 }),
    ]);

    const layer = createCacheLayer(ctx);
    await layer.start({ signal: new AbortController().signal, attempt: 1, dependencies: new Map() });
    await layer.api.set('user:1', { name: 'x' });
    const targets = {
      cache: () => layer.api,
      db: () => {
        throw new Error('no db');
      },
      fs: () => {
        throw new Error('no fs');
      },
    };
    const asPrincipal = guardAccess(security, alice, targets);
    const asToken = guardAccess(security, token, targets);
    for (const concurrency of [1, 32]) {
      const results = await comparePaired(
        `security: memory cache get, concurrency ${concurrency} (guarded = check + audit entry written, sync: batch)`,
        [
          { name: 'stator.cache.get (unguarded)', call: () => layer.api.get('user:1') },
          { name: 'as(principal).cache.get', call: () => asPrincipal.cache.get('user:1') },
          { name: 'as(token).cache.get', call: () => asToken.cache.get('user:1') },
        ],
        { concurrency },
      );
      const [plain, ...guarded] = results;
      if (!plain) continue;
      for (const g of guarded) {
        if (concurrency === 1) {
          const overUs = 1e6 / g.opsPerSec - 1e6 / plain.opsPerSec;
          printTarget(
            `${g.name} at c=1, sync: batch`,
            overUs <= 25,
            `${overUs.toFixed(1)} µs over the unguarded call`,
            '≤ 25 µs',
          );
        } else {
          printTarget(
            `${g.name} at c=${concurrency}`,
            g.ratio >= 1 / 3,
            `${(1 / g.ratio).toFixed(2)}x the unguarded call's time`,
            '≤ 3.00x',
          );
        }
      }
    }
    await layer.stop(new AbortController().signal);
    await durable(base, alice);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/** The same guarded get with `security.audit.sync: always` (no target: it waits for the disk). */
async function durable(base: string, alice: Principal): Promise<void> {
  const config = loadConfig({
    filesystem: { base_path: base },
    cache: { driver: 'memory' },
    security: {
      roles: { reader: { permissions: ['cache:read:*'] } },
      audit: { file: 'logs/audit-always.jsonl', sync: 'always' },
    },
  });
  const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
  const security = createSecurity(ctx);
  await security.ready();
  const layer = createCacheLayer(ctx);
  await layer.start({ signal: new AbortController().signal, attempt: 1, dependencies: new Map() });
  await layer.api.set('user:1', { name: 'x' });
  const guarded = guardAccess(
    security,
    { ...alice, roles: ['reader'] },
    {
      cache: () => layer.api,
      db: () => {
        throw new Error('no db');
      },
      fs: () => {
        throw new Error('no fs');
      },
    },
  );
  for (const concurrency of [1, 32]) {
    await comparePaired(
      `security: memory cache get, concurrency ${concurrency}, sync: always (no target)`,
      [
        { name: 'stator.cache.get (unguarded)', call: () => layer.api.get('user:1') },
        { name: 'as(principal).cache.get, sync: always', call: () => guarded.cache.get('user:1') },
      ],
      { concurrency, rounds: 5 },
    );
  }
  await security.audit.close();
  await layer.stop(new AbortController().signal);
}
