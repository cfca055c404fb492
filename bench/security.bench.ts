/**
 * What guarded access costs:
 *
 * 1. Authorization decisions/s (pure, in memory): a role grant, a template grant, and a request
 *    that also evaluates a time-window policy in another timezone.
 * 2. Token verifications/s (HS256 with jose, claims checked, revocation looked up).
 * 3. Memory-cache `get`: unguarded (baseline), `as(principal)` and `as(token)`; each guarded call
 *    also appends a hash-chained audit entry to a file before it proceeds (fail closed). At
 *    concurrency 1 every call waits for its own append; at 32, appends are group-committed.
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
import { measure, printComparison } from './harness.js';

export async function run(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'stator-bench-security-'));
  try {
    const config = loadConfig({
      filesystem: { base_path: base },
      cache: { driver: 'memory' },
      security: {
        principals: { alice: { password_hash: await hashPassword('bench-pw', { N: 1024 }), roles: ['reader', 'tenant'], attributes: { tenant: 'acme' } } },
        roles: {
          reader: { permissions: ['cache:read:*', 'db:read:*'] },
          tenant: { permissions: ['db:*:tenant_${principal.tenant}_*', 'fs:*:home/${principal.id}/**'] },
        },
        policies: [{
          name: 'office-hours', effect: 'deny', permissions: ['db:write:*'],
          unless: { time: { from: '08:00', to: '18:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'], timezone: 'Europe/Paris' } },
        }],
        jwt: { secret: 'bench-secret-0123456789-abcdefghijklmnop' },
      },
    });
    const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
    const security = createSecurity(ctx);
    await security.ready();
    const alice: Principal = { id: 'alice', roles: ['reader', 'tenant'], attributes: { tenant: 'acme' } };
    const { authorizer } = security;

    printComparison('security: authorization decisions (in memory)', [
      await measure('decide: role grant (cache:read:user:1)', () => authorizer.decide(alice, { resource: 'cache', action: 'read', scope: 'user:1' })),
      await measure('decide: template grant (db:read:tenant_acme_orders)', () => authorizer.decide(alice, { resource: 'db', action: 'read', scope: 'tenant_acme_orders' })),
      await measure('decide: + time policy in Europe/Paris (db:write)', () => authorizer.decide(alice, { resource: 'db', action: 'write', scope: 'tenant_acme_orders' })),
      await measure('decide: denied, nothing grants (fs:write:etc)', () => authorizer.decide(alice, { resource: 'fs', action: 'write', scope: 'etc/x' })),
    ]);

    // Guarded SQL decisions: the authorizer alone, then with the SQL parsed first (node-sql-parser).
    const knex = (await import('knex')).default({ client: 'pg' });
    const compiled = knex('tenant_acme_orders').join('tenant_acme_lines', 'tenant_acme_lines.order_id', 'tenant_acme_orders.id')
      .where('tenant_acme_orders.id', 1).select('*').toSQL().toNative().sql;
    printComparison('security: guarded SQL decisions, before and after the parser', [
      await measure('decide only (2 tables)', () => {
        authorizer.decide(alice, { resource: 'db', action: 'read', scope: 'tenant_acme_orders' });
        authorizer.decide(alice, { resource: 'db', action: 'read', scope: 'tenant_acme_lines' });
      }),
      await measure('sqlAccess(new sql each time) + decide', () => {
        for (const t of sqlAccess(`${compiled} and 1 = ${Math.random()}`.replace(/\$1 and/, '$1 and'), { dialect: 'postgresql' }).tables) authorizer.decide(alice, { resource: 'db', action: t.action, scope: t.table });
      }),
      await measure('sqlAccess(repeated sql, cached) + decide', () => {
        for (const t of sqlAccess(compiled, { dialect: 'postgresql' }).tables) authorizer.decide(alice, { resource: 'db', action: t.action, scope: t.table });
      }),
    ]);
    await knex.destroy();

    // Linear-time scrubbing and failed logins on growing inputs (1k, 8k, 64k characters).
    const scrubRows = [];
    for (const n of [1_000, 8_000, 64_000]) {
      const hostile = 'a://'.repeat(Math.ceil(n / 4)).slice(0, n);
      scrubRows.push(await measure(`scrub ${n} chars ('a://' repeated)`, () => ctx.secrets.scrub(hostile), { durationMs: 500 }));
    }
    printComparison('security: scrubbing hostile input (linear: ns/op grows with length, 64k well under 5 ms)', scrubRows);
    const loginRows = [];
    for (const n of [1_000, 8_000, 64_000]) {
      const name = 'u'.repeat(n);
      loginRows.push(await measure(`failed login, ${n}-char user name`, () => security.auth.authenticate({ username: name, password: 'x' }).catch(() => undefined), { durationMs: 500 }));
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
    const targets = { cache: () => layer.api, db: () => { throw new Error('no db'); }, fs: () => { throw new Error('no fs'); } };
    const asPrincipal = guardAccess(security, alice, targets);
    const asToken = guardAccess(security, token, targets);
    for (const concurrency of [1, 32]) {
      printComparison(`security: memory cache get, concurrency ${concurrency} (guarded = check + audit append)`, [
        await measure('stator.cache.get (unguarded)', () => layer.api.get('user:1'), { concurrency }),
        await measure('as(principal).cache.get', () => asPrincipal.cache.get('user:1'), { concurrency }),
        await measure('as(token).cache.get (token verified per call)', () => asToken.cache.get('user:1'), { concurrency }),
      ]);
    }
    await layer.stop(new AbortController().signal);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
