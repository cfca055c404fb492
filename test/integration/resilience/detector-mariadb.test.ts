import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, expectKind, suffix } from './support/capture.js';
import { PORTS } from './support/servers.js';

// Errors captured from the real MariaDB at 127.0.0.1:3306, classified by the detector.
const base = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' };
const id = suffix();
const table = `res_${id}`;
const user = `res_${id}`.slice(0, 32);
const limited = `resl_${id}`.slice(0, 32);
const password = `pw-${id}-correct`;
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await mysql.createConnection(base);
  await admin.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB`);
  await admin.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
  await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'`);
  await admin.query(`CREATE USER '${limited}'@'127.0.0.1' IDENTIFIED BY '${password}' WITH MAX_USER_CONNECTIONS 1`);
});

afterAll(async () => {
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
  await admin.query(`DROP USER IF EXISTS '${limited}'@'127.0.0.1'`);
  await admin.end();
});

describe('error detector — MariaDB (mysql2), real errors', () => {
  it('connection refused: ECONNREFUSED, transient', async () => {
    const error = await capture(() => mysql.createConnection({ ...base, port: PORTS.refused }));
    expectKind(error, 'connection-refused', { transient: true, countsAsFailure: true });
  });

  it('a bad password for a real user: 1045, authentication, not transient, counts', async () => {
    const error = await capture(() => mysql.createConnection({ ...base, user, password: 'wrong-password' }));
    expect(error).toMatchObject({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' });
    expectKind(error, 'authentication', {
      transient: false,
      countsAsFailure: true,
      fallbackAllowed: true,
      code: '1045',
    });
  });

  it('the right password works (the user is real)', async () => {
    const c = await mysql.createConnection({ ...base, user, password, database: undefined });
    const [rows] = await c.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
    await c.end();
  });

  it('too many connections for a user: max_user_connections, transient', async () => {
    const first = await mysql.createConnection({ ...base, user: limited, password, database: undefined });
    try {
      const error = await capture(() =>
        mysql.createConnection({ ...base, user: limited, password, database: undefined }),
      );
      expect((error as { errno: number }).errno).toBeOneOf([1203, 1226]);
      expectKind(error, 'too-many-connections', { transient: true });
    } finally {
      await first.end();
    }
  });

  it('a real deadlock: 1213, transient, does not count against the breaker', async () => {
    const a = await mysql.createConnection(base);
    const b = await mysql.createConnection(base);
    try {
      await a.query('START TRANSACTION');
      await b.query('START TRANSACTION');
      await a.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`);
      await b.query(`UPDATE ${table} SET v = v + 1 WHERE id = 2`);
      const first = a.query(`UPDATE ${table} SET v = v + 1 WHERE id = 2`).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 100)); // a waits for b's lock
      const second = b.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`).then(
        () => undefined,
        (e: unknown) => e,
      );
      const [ea, eb] = await Promise.all([first, second]);
      const error = ea ?? eb;
      expect(error).toMatchObject({ errno: 1213, code: 'ER_LOCK_DEADLOCK' });
      expectKind(error, 'deadlock', { transient: true, countsAsFailure: false, fallbackAllowed: true, code: '1213' });
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await b.query('ROLLBACK').catch(() => undefined);
      await a.end();
      await b.end();
    }
  });

  it('a real lock wait timeout: 1205, transient', async () => {
    const a = await mysql.createConnection(base);
    const b = await mysql.createConnection(base);
    try {
      await a.query('START TRANSACTION');
      await a.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
      await b.query('SET SESSION innodb_lock_wait_timeout = 1');
      const error = await capture(() => b.query(`UPDATE ${table} SET v = 0 WHERE id = 1`));
      expect(error).toMatchObject({ errno: 1205 });
      expectKind(error, 'lock-timeout', { transient: true, countsAsFailure: false });
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await a.end();
      await b.end();
    }
  });

  it("the caller's mistakes: 1062 duplicate, 1048 null, 1064 syntax, 1146 no table — not retried, not counted, no fallback", async () => {
    const cases: [string, number, 'constraint' | 'syntax' | 'invalid-query'][] = [
      [`INSERT INTO ${table} VALUES (1, 0)`, 1062, 'constraint'],
      [`INSERT INTO ${table} VALUES (3, NULL)`, 1048, 'constraint'],
      ['SELEC 1', 1064, 'syntax'],
      [`SELECT * FROM ${table}_missing`, 1146, 'invalid-query'],
    ];
    for (const [sql, errno, kind] of cases) {
      const error = await capture(() => admin.query(sql));
      expect(error).toMatchObject({ errno });
      expectKind(error, kind, { transient: false, countsAsFailure: false, fallbackAllowed: false });
    }
  });

  it('an unknown database: 1049, configuration, counts against the breaker', async () => {
    const error = await capture(() => mysql.createConnection({ ...base, database: `missing_${id}` }));
    expect(error).toMatchObject({ errno: 1049 });
    expectKind(error, 'configuration', { transient: false, countsAsFailure: true });
  });

  it('a connection killed by the server: connection lost, transient', async () => {
    const victim = await mysql.createConnection(base);
    victim.on('error', () => undefined);
    const [[{ cid }]] = (await victim.query('SELECT CONNECTION_ID() AS cid')) as unknown as [[{ cid: number }]];
    await admin.query(`KILL ${cid}`);
    const error = await capture(() => victim.query('SELECT 1'));
    expectKind(error, 'connection-lost', { transient: true, countsAsFailure: true });
    // Once mysql2 has seen the close, the next command fails another way (no code): still connection trouble.
    await new Promise<void>((resolve) => (victim.once('end', () => resolve()), setTimeout(resolve, 500)));
    const later = await capture(() => victim.query('SELECT 1'));
    expectKind(later, 'connection-lost', { transient: true, countsAsFailure: true });
    await victim.end().catch(() => undefined);
  });
});
