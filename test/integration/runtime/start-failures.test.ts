import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import type { StartupError, StartupFailure } from '../../../src/errors/startup-error.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import { waitForPort } from '../../support/wait-for-port.js';
import { startPostgres, type FaultServer } from '../faults/support/fault-servers.js';

// Item 7 of issue 12: a start failure names resource, driver, host:port and the underlying error;
// refused credentials are named as such and not retried. Nothing listens on 20211–20214; a Redis
// with a password of its own runs on 20210, and a PostgreSQL of its own (scram for every user but
// postgres) on 20215: the shared one trusts every local connection, whatever the password.
const dirs: string[] = [];
let redis: ChildProcess | undefined;
let postgres: FaultServer | undefined;
const PG_PORT = 20215;
const mariadbUser = `stator_i12_${process.pid}`;
const admin = knexFactory({
  client: 'mysql2',
  connection: { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' },
});

beforeAll(async () => {
  redis = spawn('redis-server', ['--port', '20210', '--requirepass', 'right-password', '--save', ''], {
    stdio: 'ignore',
  });
  await waitForPort(20210);
  await admin.raw(`CREATE USER IF NOT EXISTS '${mariadbUser}'@'%' IDENTIFIED BY 'right-password'`);
  postgres = await startPostgres(PG_PORT);
  await requirePasswords(PG_PORT);
});

/** Makes the private PostgreSQL ask `stator_pw` for its password (scram), and waits until it does. */
async function requirePasswords(port: number): Promise<void> {
  const superuser = knexFactory({
    client: 'pg',
    connection: { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' },
    pool: { min: 0, max: 1 },
  });
  try {
    const hba = (await superuser.raw<{ rows: { hba_file: string }[] }>('SHOW hba_file')).rows[0]!.hba_file;
    writeFileSync(
      hba,
      'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
    );
    await superuser.raw(`CREATE ROLE stator_pw LOGIN PASSWORD 'right-password'`);
    await superuser.raw('SELECT pg_reload_conf()');
  } finally {
    await superuser.destroy();
  }
  // The postmaster reloads on its own time: wait until a wrong password is refused (28P01).
  for (;;) {
    const probe = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'stator_pw',
      password: 'wrong',
      database: 'postgres',
    });
    const code = await probe.connect().then(
      () => undefined,
      (e: unknown) => (e as { code?: string }).code,
    );
    await probe.end().catch(() => undefined);
    if (code === '28P01') return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterAll(async () => {
  redis?.kill('SIGKILL');
  await postgres?.dispose();
  await admin.raw(`DROP USER IF EXISTS '${mariadbUser}'@'%'`);
  await admin.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts a Stator that must fail, and answers the failure of `resource`. */
async function failureOf(config: StatorConfigInput, resource: string): Promise<StartupFailure> {
  const dir = mkdtempSync(join(tmpdir(), 'stator-start-failures-'));
  dirs.push(dir);
  const stator = createStator({
    config: { ...config, filesystem: { base_path: dir } },
    logger: createLogger({ silent: true }),
  });
  const error = await stator.start().then(
    () => undefined,
    (e: unknown) => e as StartupError,
  );
  await stator.stop();
  const failure = error?.failures.find((f) => f.resource === resource);
  if (!failure) throw new Error(`expected ${resource} to fail the start, got ${String(error)}`);
  return failure;
}

const retries = { retry_attempts: 1, retry_delay: 0.01 };

describe('start failures name their cause', () => {
  it.each([
    ['redis', { cache: { driver: 'redis', host: '127.0.0.1', port: 20211, ...retries } }, 'cache', 20211],
    ['memcached', { cache: { driver: 'memcached', host: '127.0.0.1', port: 20212, ...retries } }, 'cache', 20212],
    [
      'postgresql',
      { database: { driver: 'postgresql', host: '127.0.0.1', port: 20213, username: 'postgres', ...retries } },
      'database',
      20213,
    ],
    [
      'mysql',
      { database: { driver: 'mysql', host: '127.0.0.1', port: 20214, username: 'root', ...retries } },
      'database',
      20214,
    ],
  ] as const)(
    '%s refusing connections: driver, host:port and ECONNREFUSED, retried',
    async (driver, config, resource, port) => {
      const failure = await failureOf(config as StatorConfigInput, resource);
      expect(failure.message).toContain(driver);
      expect(failure.message).toContain(`127.0.0.1:${port}`);
      expect(failure.message).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
      expect(failure.attempts).toBe(2);
    },
  );

  it('Redis refusing the password: named an authentication failure, not retried', async () => {
    const failure = await failureOf(
      { cache: { driver: 'redis', host: '127.0.0.1', port: 20210, password: 'wrong-password', retry_attempts: 3 } },
      'cache',
    );
    expect(failure).toMatchObject({ attempts: 1, code: 'CACHE_UNREACHABLE' });
    expect(failure.message).toMatch(
      /^authentication failed: .*127\.0\.0\.1:20210.*Redis refused the credentials \(WRONGPASS/,
    );
    expect(failure.message).toContain('Not retried');
    expect(failure.message).not.toContain('wrong-password');
  });

  it('MariaDB refusing the password: named an authentication failure, not retried', async () => {
    const failure = await failureOf(
      {
        cache: { driver: 'memory' },
        database: {
          driver: 'mysql',
          host: '127.0.0.1',
          port: 3306,
          username: mariadbUser,
          password: 'wrong-password',
          database: 'test',
          retry_attempts: 3,
        },
      },
      'database',
    );
    expect(failure).toMatchObject({ attempts: 1, code: 'DATABASE_UNREACHABLE' });
    expect(failure.message).toMatch(/^authentication failed: .*127\.0\.0\.1:3306.*Access denied for user/);
    expect(failure.message).not.toContain('wrong-password');
  });

  it('PostgreSQL refusing the password: named an authentication failure, not retried', async () => {
    const failure = await failureOf(
      {
        cache: { driver: 'memory' },
        database: {
          driver: 'postgresql',
          host: '127.0.0.1',
          port: PG_PORT,
          username: 'stator_pw',
          password: 'wrong-password',
          database: 'postgres',
          retry_attempts: 3,
        },
      },
      'database',
    );
    expect(failure).toMatchObject({ attempts: 1, code: 'DATABASE_UNREACHABLE' });
    expect(failure.message).toMatch(/^authentication failed: .*127\.0\.0\.1:20215.*password authentication failed/);
    expect(failure.message).toContain('Not retried');
    expect(failure.message).not.toContain('wrong-password');
  });
});
