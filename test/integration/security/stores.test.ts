import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { isAuthenticationFailedError } from '../../../src/errors/authentication-failed-error.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import { createSecurity } from '../../../src/security/create-security.js';
import { KnexPrincipalStore } from '../../../src/security/knex-principal-store.js';
import { hashPassword } from '../../../src/security/password-hash.js';
import type { Security } from '../../../src/security/security.js';
import { verifyAuditLog } from '../../../src/security/verify-audit-log.js';
import { removeBase, tempBase, withPgDatabase } from './fixture.js';

const PG_DB = `stator_sec_stores_${process.pid}`;

describe.each(['sqlite', 'postgresql'] as const)('database-backed security stores (%s)', (driver) => {
  let base: string;
  let knex: Knex;
  let dropDb: (() => Promise<void>) | undefined;
  const clock = new TestClock(Date.UTC(2025, 0, 15, 12));

  beforeAll(async () => {
    base = await tempBase(`stores-${driver}`);
    if (driver === 'postgresql') dropDb = await withPgDatabase(PG_DB);
    knex =
      driver === 'sqlite'
        ? knexFactory({
            client: 'better-sqlite3',
            connection: { filename: join(base, 'stores.sqlite') },
            useNullAsDefault: true,
          })
        : knexFactory({
            client: 'pg',
            connection: { host: '127.0.0.1', user: 'postgres', database: PG_DB },
            pool: { min: 0, max: 2 },
          });
    const users = new KnexPrincipalStore(knex, 'sec_principals');
    await users.ensureTable();
    await users.put({
      id: 'dana',
      passwordHash: await hashPassword('dana-pw', { N: 1024 }),
      roles: ['reader'],
      attributes: { team: 'ops' },
    });
    await users.put({
      id: 'erik',
      passwordHash: await hashPassword('erik-pw', { N: 1024 }),
      roles: ['reader'],
      attributes: {},
      disabled: true,
    });
  });

  afterAll(async () => {
    await knex?.destroy();
    await dropDb?.();
    await removeBase(base);
  });

  const security = (): Security => {
    const config = loadConfig({
      filesystem: { base_path: base },
      security: {
        principals: { admin: { roles: ['reader'] } },
        roles: { reader: { permissions: ['db:read:*'] } },
        user_store: { table: 'sec_principals' },
        revocation: { store: 'database', table: 'sec_revoked' },
        audit: { mirror_table: 'sec_audit' },
        jwt: { secret: 'stores-test-secret-0123456789-abcdefgh' },
      },
    });
    const ctx = createRuntimeContext({ config, clock, logger: createLogger({ silent: true }) });
    return createSecurity(ctx, { knex: () => knex });
  };

  it('authenticates principals from the user store table, with their roles and attributes', async () => {
    const s = security();
    const { principal, token } = await s.auth.authenticate({ username: 'dana', password: 'dana-pw' });
    expect(principal).toMatchObject({ id: 'dana', roles: ['reader'], attributes: { team: 'ops' } });
    expect(
      s.authorizer.decide(await s.auth.verify(token), { resource: 'db', action: 'read', scope: 'x' }).allowed,
    ).toBe(true);
    await expect(s.auth.authenticate({ username: 'erik', password: 'erik-pw' })).rejects.toSatisfy(
      isAuthenticationFailedError,
    );
    await expect(s.auth.authenticate({ username: 'dana', password: 'nope' })).rejects.toSatisfy(
      isAuthenticationFailedError,
    );
  });

  it('disabling a principal in the table stops its tokens at once', async () => {
    const s = security();
    const { token } = await s.auth.authenticate({ username: 'dana', password: 'dana-pw' });
    await knex('sec_principals').where({ id: 'dana' }).update({ disabled: true });
    await expect(s.auth.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', reason: 'principal disabled' });
    await knex('sec_principals').where({ id: 'dana' }).update({ disabled: false });
    expect((await s.auth.verify(token)).id).toBe('dana');
  });

  it('a revocation is persisted: another instance (a restart) refuses the token too', async () => {
    const first = security();
    const { token, jti } = await first.auth.authenticate({ username: 'dana', password: 'dana-pw' });
    await first.auth.revoke(token);
    expect(await knex('sec_revoked').where({ jti }).first()).toBeDefined();
    const restarted = security();
    await expect(restarted.auth.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', reason: 'revoked' });
  });

  it('mirrors audit entries into a table, matching the file', async () => {
    const s = security();
    await s.auth.authenticate({ username: 'dana', password: 'dana-pw' });
    await s.audit.drain();
    const file = await verifyAuditLog(join(base, 'logs', 'audit.jsonl'));
    expect(file.ok).toBe(true);
    const last = await knex('sec_audit').orderBy('seq', 'desc').first();
    expect({ seq: Number(last.seq), hash: last.hash }).toEqual(file.head);
  });
});
