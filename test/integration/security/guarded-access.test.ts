import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAccessDeniedError, type AccessDeniedError } from '../../../src/errors/access-denied-error.js';
import { isAuditWriteFailedError } from '../../../src/errors/audit-write-failed-error.js';
import { isTokenInvalidError } from '../../../src/errors/token-invalid-error.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import type { AuditEntry } from '../../../src/security/audit-entry.js';
import { hashPassword } from '../../../src/security/password-hash.js';
import { verifyAuditLog } from '../../../src/security/verify-audit-log.js';
import { deleteRedisKeys, removeBase, startRig, tempBase, withPgDatabase, type SecuredRig } from './fixture.js';

const PREFIX = `stator-sec-guard-${process.pid}:`;
const PG_DB = `stator_sec_guard_${process.pid}`;
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });

async function denied(promise: Promise<unknown>): Promise<AccessDeniedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAccessDeniedError(error), `expected AccessDeniedError, got ${String(error)}`).toBe(true);
  return error as AccessDeniedError;
}

async function audit(rig: SecuredRig): Promise<AuditEntry[]> {
  await rig.security.audit.drain();
  const text = await readFile(join(rig.basePath, 'logs', 'audit.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

beforeAll(async () => {
  await redis.connect();
});
afterAll(async () => {
  await deleteRedisKeys(redis, PREFIX);
  redis.disconnect();
});

describe.each(['sqlite', 'postgresql'] as const)('guarded access on real resources (%s)', (driver) => {
  let rig: SecuredRig;
  let base: string;
  let dropDb: (() => Promise<void>) | undefined;
  let alice: string;
  let bob: string;
  const clock = new TestClock(Date.UTC(2025, 0, 15, 12));
  const prefix = `${PREFIX}${driver}:`;
  const queries: string[] = [];
  const logLines: string[] = [];
  const logStream = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });

  beforeAll(async () => {
    base = await tempBase(`guard-${driver}`);
    if (driver === 'postgresql') dropDb = await withPgDatabase(PG_DB);
    const hash = await hashPassword('pw-of-everyone', { N: 1024 });
    rig = await startRig(
      {
        filesystem: { base_path: base, required_dirs: ['logs', 'home', 'shared'] },
        cache: { driver: 'redis', key_prefix: prefix },
        database:
          driver === 'sqlite' ? { driver } : { driver, host: '127.0.0.1', username: 'postgres', database: PG_DB },
        security: {
          principals: {
            alice: { password_hash: hash, roles: ['tenant'] },
            bob: { password_hash: hash, roles: ['tenant'] },
          },
          roles: {
            tenant: {
              permissions: [
                'fs:*:home/${principal.id}/**',
                'fs:read:shared/**',
                'cache:*:user:${principal.id}:*',
                'db:*:notes_${principal.id}',
                'db:read:products',
              ],
            },
          },
          policies: [{ name: 'audit-log-is-sacred', effect: 'deny', permissions: ['fs:*:logs/**'] }],
          jwt: { secret: 'guarded-access-test-secret-0123456789', ttl: 600 },
        },
      },
      { clock, logger: createLogger({ format: 'json', stream: logStream, level: 'info' }) },
    );
    const knex = rig.db.knex;
    for (const t of ['notes_alice', 'notes_bob']) {
      await knex.schema.createTable(t, (table) => {
        table.increments('id');
        table.string('body');
      });
    }
    await knex.schema.createTable('products', (table) => {
      table.increments('id');
      table.string('name');
    });
    await knex('notes_bob').insert({ body: 'bob private note' });
    await knex('products').insert({ name: 'widget' });
    await mkdir(join(base, 'home', 'bob'), { recursive: true });
    await mkdir(join(base, 'home', 'alice'), { recursive: true });
    await writeFile(join(base, 'home', 'bob', 'secret.txt'), 'bob secret');
    await symlink(join(base, 'home', 'bob'), join(base, 'home', 'alice', 'bobs'));
    await redis.set(`${prefix}user:bob:cart`, JSON.stringify({ v: 'untouched' }));
    knex.on('query', (q: { sql: string }) => queries.push(q.sql));
    alice = (await rig.auth.authenticate({ username: 'alice', password: 'pw-of-everyone', source: '10.0.0.1' })).token;
    bob = (await rig.auth.authenticate({ username: 'bob', password: 'pw-of-everyone' })).token;
  });

  afterAll(async () => {
    await rig?.stop();
    await dropDb?.();
    await removeBase(base);
  });

  it('lets a principal use its own keys, paths and tables, auditing each access', async () => {
    const as = rig.as(alice, { source: '10.0.0.1' });
    await as.cache.set('user:alice:cart', { items: 2 });
    expect(await as.cache.get('user:alice:cart')).toEqual({ items: 2 });
    await as.fs.writeFile('home/alice/a.txt', 'hello');
    expect(await as.fs.readFile('home/alice/a.txt', 'utf8')).toBe('hello');
    expect(await as.fs.list('home/alice')).toContain('a.txt');
    await as.db.knex('notes_alice').insert({ body: 'mine' });
    expect(await as.db.knex('notes_alice').select('body')).toEqual([{ body: 'mine' }]);
    expect((await as.db.knex('products').first('name'))?.name).toBe('widget');
    const { value } = await as.db.transaction(async (trx) => {
      await trx('notes_alice').insert({ body: 'in trx' });
      return trx('notes_alice').count<{ n: number | string }[]>('* as n');
    });
    expect(Number(value[0]?.n)).toBe(2);
    const entries = await audit(rig);
    const mine = entries
      .filter((e) => e.who === 'alice' && e.decision === 'allow')
      .map((e) => `${e.action} ${e.resource}`);
    expect(mine).toEqual(
      expect.arrayContaining([
        'cache:write cache:user:alice:cart',
        'cache:read cache:user:alice:cart',
        'fs:write fs:home/alice/a.txt',
        'db:write db:notes_alice',
        'db:read db:products',
      ]),
    );
    expect(entries.find((e) => e.action === 'cache:write')?.reason).toContain(
      'role tenant (cache:*:user:${principal.id}:*)',
    );
  });

  it("refuses another principal's cache keys, auditing the attempt, and the real Redis keys are untouched", async () => {
    const as = rig.as(alice);
    const read = await denied(as.cache.get('user:bob:cart'));
    expect(read).toMatchObject({ code: 'ACCESS_DENIED', principal: 'alice', permission: 'cache:read:user:bob:cart' });
    expect(read.message).toContain('cache:read:user:bob:cart');
    await denied(as.cache.set('user:bob:cart', { v: 'overwritten' }));
    await denied(as.cache.delete('user:bob:cart'));
    await denied(as.cache.set('user:bob:new', 1));
    await denied(as.cache.getOrSet('user:bob:other', () => 'loaded'));
    await denied(as.cache.getMany(['user:alice:cart', 'user:bob:cart']));
    await denied(as.cache.invalidate({ tags: ['anything'] }));
    await denied(as.cache.invalidate({ prefix: 'user:' }));
    expect(await redis.get(`${prefix}user:bob:cart`)).toBe(JSON.stringify({ v: 'untouched' }));
    expect(await redis.exists(`${prefix}user:bob:new`, `${prefix}user:bob:other`)).toBe(0);
    const denials = (await audit(rig)).filter(
      (e) => e.who === 'alice' && e.decision === 'deny' && e.resource.startsWith('cache:'),
    );
    expect(denials.map((e) => e.resource)).toEqual(
      expect.arrayContaining(['cache:user:bob:cart', 'cache:user:bob:new', 'cache:user:bob:other', 'cache:*']),
    );
    expect(denials.every((e) => e.reason === 'no role or policy grants it')).toBe(true);
  });

  it("refuses another principal's paths, including through a symbolic link, and nothing is read or written", async () => {
    const as = rig.as(alice);
    expect((await denied(as.fs.readFile('home/bob/secret.txt', 'utf8'))).permission).toBe(
      'fs:read:home/bob/secret.txt',
    );
    await denied(as.fs.writeFile('home/bob/planted.txt', 'x'));
    await denied(as.fs.remove('home/bob/secret.txt'));
    await denied(as.fs.list('home/bob'));
    await denied(as.fs.mkdir('home/bob/sub'));
    await denied(as.fs.readFile('home/alice/../bob/secret.txt', 'utf8'));
    const viaLink = await denied(as.fs.readFile('home/alice/bobs/secret.txt', 'utf8'));
    expect(viaLink.permission).toBe('fs:read:home/bob/secret.txt');
    await denied(as.fs.writeFile('logs/audit.jsonl', 'wiped'));
    const escape = await as.fs.readFile('../../etc/passwd', 'utf8').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(escape).toMatchObject({ code: 'PATH_OUTSIDE_BASE' });
    expect(await readFile(join(base, 'home', 'bob', 'secret.txt'), 'utf8')).toBe('bob secret');
    expect(existsSync(join(base, 'home', 'bob', 'planted.txt'))).toBe(false);
    expect(existsSync(join(base, 'home', 'bob', 'sub'))).toBe(false);
    const denials = (await audit(rig)).filter(
      (e) => e.who === 'alice' && e.decision === 'deny' && e.resource.startsWith('fs:'),
    );
    expect(denials.map((e) => e.resource)).toEqual(
      expect.arrayContaining([
        'fs:home/bob/secret.txt',
        'fs:home/bob/planted.txt',
        'fs:home/bob',
        'fs:logs/audit.jsonl',
      ]),
    );
    expect(denials.find((e) => e.resource === 'fs:logs/audit.jsonl')?.reason).toMatch(/Stator's own files/);
    expect(denials.find((e) => e.resource === 'fs:../../etc/passwd')?.reason).toMatch(
      /^path outside base_path: climbs out/,
    );
    expect((await verifyAuditLog(join(base, 'logs', 'audit.jsonl'))).ok).toBe(true);
  });

  it("refuses another principal's tables however the query reaches them, and no statement reaches the database", async () => {
    const as = rig.as(alice);
    const k = as.db.knex;
    queries.length = 0;
    expect((await denied(k('notes_bob').select('*'))).permission).toBe('db:read:notes_bob');
    await denied(k('notes_bob').insert({ body: 'planted' }));
    await denied(k('notes_bob').update({ body: 'changed' }));
    await denied(k('notes_bob').del());
    await denied(k('notes_alice').join('notes_bob', 'notes_bob.id', 'notes_alice.id').select('notes_bob.body'));
    await denied(k('notes_alice').whereIn('id', k('notes_bob').select('id')));
    await denied(k('notes_alice').insert(k('notes_bob').select('body')));
    await denied(k('products').insert({ name: 'free' }));
    // Raw SQL is parsed: what it reads is checked like any query; what cannot be parsed needs db:raw.
    expect((await denied(k.raw('select * from notes_bob'))).permission).toBe('db:read:notes_bob');
    expect((await denied(k('notes_alice').whereRaw('exists (select 1 from notes_bob)'))).permission).toBe(
      'db:read:notes_bob',
    );
    expect((await denied(k.raw('vacuum'))).permission).toBe('db:raw:*');
    await denied(k.schema.dropTable('notes_bob') as unknown as Promise<unknown>);
    await denied(k.transaction(async (trx) => trx('notes_bob').insert({ body: 'planted in knex trx' })));
    await denied(
      as.db.transaction(async (trx) => {
        await trx('notes_alice').insert({ body: 'rolled back with the denial' });
        await trx('notes_bob').insert({ body: 'planted in stator trx' });
      }),
    );
    expect(queries.filter((sql) => /notes_bob/.test(sql) || /insert into .products/i.test(sql))).toEqual([]);
    const rows = await rig.db.knex('notes_bob').select('body');
    expect(rows).toEqual([{ body: 'bob private note' }]);
    expect(
      await rig.db
        .knex('products')
        .count<{ n: number | string }[]>('* as n')
        .then((r) => Number(r[0]?.n)),
    ).toBe(1);
    expect((await rig.db.knex('notes_alice').where('body', 'rolled back with the denial')).length).toBe(0);
    expect(await rig.db.knex.schema.hasTable('notes_bob')).toBe(true);
    const denials = (await audit(rig)).filter(
      (e) => e.who === 'alice' && e.decision === 'deny' && e.resource.startsWith('db:'),
    );
    expect(denials.map((e) => `${e.action} ${e.resource}`)).toEqual(
      expect.arrayContaining(['db:read db:notes_bob', 'db:write db:notes_bob', 'db:write db:products', 'db:raw db:*']),
    );
  });

  it('guards transaction handles statement by statement, and refuses purge and the transaction lists without db:admin', async () => {
    const as = rig.as(alice);
    queries.length = 0;
    const trx = await as.db.begin();
    await trx.knex('notes_alice').insert({ body: 'via a handle' });
    await denied(Promise.resolve(trx.knex('notes_bob').insert({ body: 'planted via a handle' })));
    await denied(trx.transaction(async (sp) => sp('notes_bob').del()));
    await trx.rollback();
    const kept = (await rig.db.history()).length;
    expect(kept).toBeGreaterThan(0);
    await denied(as.db.purge());
    await denied(as.db.transactions());
    await denied(as.db.history());
    await denied(as.db.clearHistory());
    expect((await rig.db.history()).length).toBe(kept);
    expect(queries.filter((sql) => /notes_bob/.test(sql))).toEqual([]);
    expect(await rig.db.knex('notes_bob').select('body')).toEqual([{ body: 'bob private note' }]);
    const denials = (await audit(rig))
      .filter((e) => e.who === 'alice' && e.decision === 'deny')
      .map((e) => `${e.action} ${e.resource}`);
    expect(denials).toEqual(expect.arrayContaining(['db:admin db:*', 'db:write db:notes_bob']));
  });

  it('refuses an expired or revoked token before touching anything, and audits it', async () => {
    const { token } = await rig.auth.authenticate({ username: 'alice', password: 'pw-of-everyone' });
    const as = rig.as(token);
    await as.cache.set('user:alice:session', 'x');
    await rig.auth.revoke(token);
    const revoked = await as.cache.set('user:alice:session', 'replayed').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTokenInvalidError(revoked)).toBe(true);
    expect(await rig.cache.get('user:alice:session')).toBe('x');
    await clock.advance(601_000);
    const expired = await rig
      .as(bob)
      .db.knex('notes_bob')
      .select()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(expired).toMatchObject({ code: 'TOKEN_INVALID', reason: 'expired' });
    const entries = await audit(rig);
    expect(entries.filter((e) => e.action === 'auth.token').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['token refused: revoked', 'token refused: expired']),
    );
  });

  it('refuses forged tokens (tampered, wrongly signed, alg none) before touching anything, and audits each', async () => {
    const { token } = await rig.auth.authenticate({ username: 'alice', password: 'pw-of-everyone' });
    const [header, , signature] = token.split('.') as [string, string, string];
    const claims = decodeJwt(token);
    const now = Math.floor(clock.now() / 1000);
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url')}.${signature}`;
    const wrongKey = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setJti('w')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .setIssuer('stator')
      .setAudience('stator')
      .sign(new TextEncoder().encode('not-the-configured-secret-0123456789'));
    const none = new UnsecuredJWT({})
      .setSubject('bob')
      .setJti('n')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .setIssuer('stator')
      .setAudience('stator')
      .encode();
    for (const [forged, reason] of [
      [tampered, 'bad signature'],
      [wrongKey, 'bad signature'],
      [none, 'algorithm not allowed'],
    ] as const) {
      const as = rig.as(forged);
      // One at a time: a rejection must have its handler before the next attempt starts.
      for (const attempt of [
        () => as.cache.set('user:bob:cart', { v: 'forged' }),
        () => as.fs.writeFile('home/bob/forged.txt', 'x'),
        () => Promise.resolve(as.db.knex('notes_bob').insert({ body: 'forged' })),
      ]) {
        expect(
          await attempt().then(
            () => undefined,
            (e: unknown) => e,
          ),
        ).toMatchObject({ code: 'TOKEN_INVALID', reason });
      }
    }
    expect(await redis.get(`${prefix}user:bob:cart`)).toBe(JSON.stringify({ v: 'untouched' }));
    expect(existsSync(join(base, 'home', 'bob', 'forged.txt'))).toBe(false);
    expect(await rig.db.knex('notes_bob').select('body')).toEqual([{ body: 'bob private note' }]);
    const refusals = (await audit(rig))
      .filter((e) => e.action === 'auth.token' && e.decision === 'deny')
      .map((e) => e.reason);
    expect(refusals.filter((r) => r === 'token refused: bad signature').length).toBeGreaterThanOrEqual(6);
    expect(refusals.filter((r) => r === 'token refused: algorithm not allowed').length).toBeGreaterThanOrEqual(3);
  });

  it('denies even a permitted access when the audit log cannot be written (fail closed), loudly', async () => {
    const as = rig.as({ id: 'alice', roles: ['tenant'], attributes: {} });
    const file = join(base, 'logs', 'audit.jsonl');
    const { rename } = await import('node:fs/promises');
    await rename(file, `${file}.moved`);
    await mkdir(file); // the log path is now a directory: writes fail even as root
    try {
      const error = await denied(as.cache.set('user:alice:blocked', 1));
      expect(isAuditWriteFailedError(error.cause)).toBe(true);
      expect(error.reason).toMatch(/audit log cannot be written/);
      await denied(as.db.knex('notes_alice').insert({ body: 'unaudited' }));
      await denied(as.fs.writeFile('home/alice/unaudited.txt', 'x'));
      expect(await redis.exists(`${prefix}user:alice:blocked`)).toBe(0);
      expect((await rig.db.knex('notes_alice').where('body', 'unaudited')).length).toBe(0);
      expect(existsSync(join(base, 'home', 'alice', 'unaudited.txt'))).toBe(false);
      await expect(rig.auth.authenticate({ username: 'alice', password: 'pw-of-everyone' })).rejects.toSatisfy(
        isAuditWriteFailedError,
      );
      expect(logLines.some((l) => l.includes('"level":"error"') && l.includes('could not be written'))).toBe(true);
    } finally {
      const { rm } = await import('node:fs/promises');
      await rm(file, { recursive: true });
      await rename(`${file}.moved`, file);
    }
    await as.cache.set('user:alice:blocked', 1);
    expect(await redis.exists(`${prefix}user:alice:blocked`)).toBe(1);
    expect((await verifyAuditLog(file)).ok).toBe(true);
  });
});
