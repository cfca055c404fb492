import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, expectKind, suffix } from './support/capture.js';
import { PORTS, startServer, startTcp, type ChildServer } from './support/servers.js';

// Errors captured from the real PostgreSQL at 127.0.0.1:5432 (and a throwaway one with password
// authentication on a reserved port), classified by the detector.
const base = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const id = suffix();
const table = `res_${id}`;
const role = `res_role_${id}`;
let admin: pg.Client;

async function client(overrides: pg.ClientConfig = {}): Promise<pg.Client> {
  const c = new pg.Client({ ...base, ...overrides });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

beforeAll(async () => {
  admin = await client();
  await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL)`);
  await admin.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
  await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`);
});

afterAll(async () => {
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
});

describe('error detector — PostgreSQL (pg), real errors', () => {
  it('connection refused (nothing listening): ECONNREFUSED, transient', async () => {
    const c = new pg.Client({ ...base, port: PORTS.refused });
    const error = await capture(() => c.connect());
    expectKind(error, 'connection-refused', {
      transient: true,
      countsAsFailure: true,
      fallbackAllowed: true,
      code: 'ECONNREFUSED',
    });
  });

  it('unknown role: 28000, authentication, not transient but counts', async () => {
    const error = await capture(() => client({ user: `nobody_${id}` }));
    expect(error).toMatchObject({ code: '28000' });
    expectKind(error, 'authentication', { transient: false, countsAsFailure: true });
  });

  it('too many connections for a role: 53300, transient', async () => {
    const error = await capture(() => client({ user: role }));
    expect(error).toMatchObject({ code: '53300' });
    expectKind(error, 'too-many-connections', { transient: true });
  });

  it('a real deadlock: 40P01, transient, does not count against the breaker', async () => {
    const a = await client();
    const b = await client();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      await a.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`);
      await b.query(`UPDATE ${table} SET v = v + 1 WHERE id = 2`);
      const first = a.query(`UPDATE ${table} SET v = v + 1 WHERE id = 2`).then(
        () => undefined,
        (e: unknown) => e,
      );
      const second = b.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`).then(
        () => undefined,
        (e: unknown) => e,
      );
      const [ea, eb] = await Promise.all([first, second]);
      const error = ea ?? eb;
      expect(error).toMatchObject({ code: '40P01' });
      expectKind(error, 'deadlock', { transient: true, countsAsFailure: false, fallbackAllowed: true });
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await b.query('ROLLBACK').catch(() => undefined);
      await a.end();
      await b.end();
    }
  });

  it('a real serialization failure under REPEATABLE READ: 40001, transient', async () => {
    const a = await client();
    const b = await client();
    try {
      await a.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await a.query(`SELECT v FROM ${table} WHERE id = 1`);
      await b.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`);
      const error = await capture(() => a.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`));
      expect(error).toMatchObject({ code: '40001' });
      expectKind(error, 'serialization', { transient: true, countsAsFailure: false });
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await a.end();
      await b.end();
    }
  });

  it('lock_timeout: 55P03, transient; statement_timeout: 57014, timeout', async () => {
    const a = await client();
    const b = await client();
    try {
      await a.query('BEGIN');
      await a.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
      await b.query(`SET lock_timeout = '50ms'`);
      const locked = await capture(() => b.query(`UPDATE ${table} SET v = 0 WHERE id = 1`));
      expect(locked).toMatchObject({ code: '55P03' });
      expectKind(locked, 'lock-timeout', { transient: true, countsAsFailure: false });
      await b.query(`SET statement_timeout = '50ms'`);
      const slow = await capture(() => b.query('SELECT pg_sleep(5)'));
      expect(slow).toMatchObject({ code: '57014' });
      expectKind(slow, 'timeout', { transient: true });
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await a.end();
      await b.end();
    }
  });

  it("the caller's mistakes: 23505 unique, 23502 not null, 42601 syntax, 42P01 undefined table — never retried, never counted, no fallback", async () => {
    const cases: [string, string, 'constraint' | 'syntax' | 'invalid-query'][] = [
      [`INSERT INTO ${table} VALUES (1, 0)`, '23505', 'constraint'],
      [`INSERT INTO ${table} VALUES (3, NULL)`, '23502', 'constraint'],
      ['SELEC 1', '42601', 'syntax'],
      [`SELECT * FROM ${table}_missing`, '42P01', 'invalid-query'],
    ];
    for (const [sql, code, kind] of cases) {
      const error = await capture(() => admin.query(sql));
      expect(error).toMatchObject({ code });
      expectKind(error, kind, { transient: false, countsAsFailure: false, fallbackAllowed: false });
    }
  });

  it('a backend terminated by an administrator: 57P01, connection lost, transient', async () => {
    const victim = await client();
    const { rows } = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const errors: unknown[] = [];
    victim.removeAllListeners('error');
    victim.on('error', (e) => errors.push(e));
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const next = await capture(() => victim.query('SELECT 1'));
    // The server's FATAL reaches pg either as the next query's rejection or as an 'error' event.
    const seen = [next, ...errors];
    const fatal = seen.find((e) => (e as { code?: string }).code === '57P01');
    expect(fatal, seen.map((e) => (e as Error).message).join(' | ')).toBeDefined();
    expectKind(fatal, 'connection-lost', { transient: true, countsAsFailure: true });
    for (const e of seen) expectKind(e, 'connection-lost', { transient: true });
  });

  it('a server that resets the connection: ECONNRESET or pg\'s "terminated unexpectedly", connection lost', async () => {
    const server = await startTcp(PORTS.reset, (socket) => socket.resetAndDestroy());
    try {
      const error = await capture(() => new pg.Client({ ...base, port: PORTS.reset }).connect());
      expectKind(error, 'connection-lost', { transient: true });
    } finally {
      await server.close();
    }
  });

  it("a server that never answers: pg's connection timeout, transient", async () => {
    const server = await startTcp(PORTS.silent, () => undefined);
    try {
      const c = new pg.Client({ ...base, port: PORTS.silent, connectionTimeoutMillis: 100 });
      const error = await capture(() => c.connect());
      expect((error as Error).message).toMatch(/timeout/i);
      expectKind(error, 'timeout', { transient: true });
    } finally {
      await server.close();
    }
  });
});

// A throwaway PostgreSQL with scram-sha-256, because the shared one trusts every local login.
const pgBin = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort().pop();
  return version && existsSync(join(root, version, 'bin', 'initdb')) ? join(root, version, 'bin') : undefined;
})();
const postgresUser = (() => {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
    };
  } catch {
    return undefined;
  }
})();

describe.skipIf(!pgBin || !postgresUser || process.getuid?.() !== 0)(
  'error detector — PostgreSQL with password authentication',
  () => {
    let dir: string;
    let server: ChildServer | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'stator-res-pg-'));
      chmodSync(dir, 0o777);
      const data = join(dir, 'data');
      const pwfile = join(dir, 'pw');
      writeFileSync(pwfile, 'correct-horse-battery');
      chmodSync(pwfile, 0o644);
      execFileSync(
        join(pgBin!, 'initdb'),
        ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-N'],
        {
          uid: postgresUser!.uid,
          gid: postgresUser!.gid,
          stdio: 'ignore',
        },
      );
      server = await startServer(
        PORTS.postgresPassword,
        join(pgBin!, 'postgres'),
        [
          '-D',
          data,
          '-p',
          String(PORTS.postgresPassword),
          '-k',
          dir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'shared_buffers=8MB',
        ],
        { uid: postgresUser!.uid, gid: postgresUser!.gid },
      );
      // The port opens before recovery ends ("the database system is starting up", 57P03).
      for (let i = 0; i < 200; i++) {
        try {
          execFileSync(join(pgBin!, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(PORTS.postgresPassword), '-q'], {
            stdio: 'ignore',
          });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }, 60_000);

    afterAll(async () => {
      await server?.stop('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    });

    it('a bad password: 28P01, authentication, not transient, counts against the breaker', async () => {
      const c = new pg.Client({
        host: '127.0.0.1',
        port: PORTS.postgresPassword,
        user: 'postgres',
        password: 'wrong-password',
        database: 'postgres',
      });
      const error = await capture(() => c.connect());
      expect(error).toMatchObject({ code: '28P01' });
      expectKind(error, 'authentication', { transient: false, countsAsFailure: true, fallbackAllowed: true });
    });
  },
);
