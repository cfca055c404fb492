import { execFileSync } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isAccessDeniedError } from '../../../src/errors/access-denied-error.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import { generateApiKey, hashApiKey } from '../../../src/security/api-key.js';
import { hashPassword } from '../../../src/security/password-hash.js';
import { secureStator } from '../../../src/security/secure-stator.js';

// A PostgreSQL of our own on a security port, with password authentication (the shared server
// trusts every connection, so a wrong password would not fail there).
const PG_PORT = 6420;
const UNREACHABLE_PORT = 6429;
const PG_BIN = '/usr/lib/postgresql/15/bin';
const run = Math.random().toString(36).slice(2, 10);
const SECRETS = {
  pgRight: `pg-Right-Passw0rd-${run}`,
  pgWrong: `pg-Wrong-Passw0rd-${run}`,
  jwt: `jwt-Signing-Secret-${run}-0123456789abcdef`,
  alice: `alice-Login-Passw0rd-${run}`,
  aliceGuess: `alice-Bad-Guess-${run}`,
  apiKey: generateApiKey('ci-bot'),
};
const issued: string[] = [];

let dir: string;
const pgData = (): string => join(dir, 'pg');

/** Everything Stator printed or stored, by channel. */
const captured: { channel: string; text: string }[] = [];
const capture = (channel: string, value: unknown): void => {
  captured.push({
    channel,
    text: typeof value === 'string' ? value : `${safeJson(value)}\n${inspect(value, { depth: 12 })}`,
  });
};
const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value, (_k, v: unknown) =>
      v instanceof Error
        ? { ...v, name: v.name, message: v.message, stack: v.stack, cause: v.cause }
        : typeof v === 'bigint'
          ? String(v)
          : v,
    );
  } catch {
    return '';
  }
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stator-sec-secrets-'));
  chownSync(dir, 101, 104);
  await writeFile(join(dir, 'pwfile'), SECRETS.pgRight);
  chownSync(join(dir, 'pwfile'), 101, 104);
  const asPostgres = (cmd: string, args: string[]): void => {
    execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], { stdio: 'ignore' });
  };
  asPostgres('initdb', [
    '-D',
    pgData(),
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${join(dir, 'pwfile')}`,
    '-E',
    'UTF8',
  ]);
  asPostgres('pg_ctl', [
    '-D',
    pgData(),
    '-o',
    `-p ${PG_PORT} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    '-l',
    join(dir, 'pg.log'),
    '-w',
    'start',
  ]);
}, 60_000);

afterAll(async () => {
  if (existsSync(join(pgData(), 'postmaster.pid'))) {
    execFileSync(
      'runuser',
      ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', pgData(), '-m', 'immediate', 'stop'],
      { stdio: 'ignore' },
    );
  }
  await rm(dir, { recursive: true, force: true });
  delete process.env.STATOR_SEC_PG_WRONG;
});

async function configFile(name: string, database: string): Promise<string> {
  const base = join(dir, name);
  const aliceHash = await hashPassword(SECRETS.alice, { N: 1024 });
  await writeFile(join(dir, `${name}.jwt`), `${SECRETS.jwt}\n`);
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    [
      'filesystem:',
      `  base_path: ${base}`,
      'cache:',
      '  driver: memory',
      'database:',
      database,
      '  retry_attempts: 0',
      '  retry_delay: 0',
      '  timeout: 5',
      'events:',
      '  path: logs/events.jsonl',
      'security:',
      '  principals:',
      `    alice: { password_hash: '${aliceHash}', roles: [reader] }`,
      `    ci-bot: { key_hashes: ['${hashApiKey(SECRETS.apiKey)}'], roles: [reader] }`,
      '  roles:',
      "    reader: { permissions: ['cache:read:*', 'db:read:*'] }",
      '  jwt:',
      `    secret_file: ${join(dir, `${name}.jwt`)}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Runs one Stator life, capturing its logs (stderr), events, status, metrics and files. */
async function life(name: string, database: string, body: (stator: Stator) => Promise<void>): Promise<void> {
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    capture(`${name}: log`, String(chunk));
    return true;
  });
  try {
    const stator = createStator({ config: await configFile(name, database) });
    stator.events$.subscribe((e) => capture(`${name}: event`, e));
    stator.status$.subscribe((s) => capture(`${name}: status`, s));
    try {
      await body(stator);
    } finally {
      capture(`${name}: health`, stator.health());
      capture(`${name}: metrics`, await stator.context.metrics.metrics());
      capture(`${name}: stop`, await stator.stop());
    }
    const logs = join(dir, name, 'logs');
    for (const f of existsSync(logs) ? await readdir(logs) : [])
      capture(`${name}: file logs/${f}`, await readFile(join(logs, f), 'utf8'));
  } finally {
    stderr.mockRestore();
  }
}

describe('secrets never appear in logs, errors, status, metrics, events or the audit log', () => {
  it('a start that fails on a wrong password (from the environment) to a real PostgreSQL', async () => {
    process.env.STATOR_SEC_PG_WRONG = SECRETS.pgWrong;
    await life(
      'bad-password',
      `  driver: postgresql\n  port: ${PG_PORT}\n  username: postgres\n  database: postgres\n  password: \${STATOR_SEC_PG_WRONG}`,
      async (stator) => {
        const error = await stator.start().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        capture('bad-password: start error', error);
        expect(inspect(error, { depth: 12 })).toMatch(/password authentication failed/);
      },
    );
  });

  it('a start that fails on an unreachable server (password from a file)', async () => {
    await life(
      'unreachable',
      `  driver: postgresql\n  port: ${UNREACHABLE_PORT}\n  username: postgres\n  database: postgres\n  password_file: ${join(dir, 'pwfile')}`,
      async (stator) => {
        const error = await stator.start().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        capture('unreachable: start error', error);
        expect(inspect(error, { depth: 12 })).toMatch(/ECONNREFUSED|connect/);
      },
    );
  });

  it('a run with logins (good, bad, API key), a denied access, a revoked token and a shutdown', async () => {
    await life(
      'run',
      `  driver: postgresql\n  port: ${PG_PORT}\n  username: postgres\n  database: postgres\n  password_file: ${join(dir, 'pwfile')}`,
      async (stator) => {
        await stator.start();
        const { auth, as } = secureStator(stator);
        const login = await auth.authenticate({ username: 'alice', password: SECRETS.alice, source: '10.1.2.3' });
        issued.push(login.token);
        const failed = await auth.authenticate({ username: 'alice', password: SECRETS.aliceGuess }).then(
          () => undefined,
          (e: unknown) => e,
        );
        capture('run: login error', failed);
        const byKey = await auth.authenticate({ apiKey: SECRETS.apiKey });
        issued.push(byKey.token);
        const alice = as(login.token, { source: '10.1.2.3' });
        expect(
          await alice.db.knex.select(stator.db.knex.raw('current_setting(?) as one', ['server_version'])).then(
            () => 'ran',
            (e: unknown) => e,
          ),
        ).toSatisfy(isAccessDeniedError);
        const denied = await alice.db.knex.raw(`select current_setting('${SECRETS.pgRight}')`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isAccessDeniedError(denied)).toBe(true);
        capture('run: denied error', denied);
        expect(await alice.cache.get('anything')).toBeUndefined();
        await auth.revoke(byKey.token);
        const replay = await as(byKey.token)
          .cache.get('x')
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        capture('run: replay error', replay);
        stator.context.logger.error('a driver error echoing a credential', {
          error: new Error(`connect failed for postgres://postgres:${SECRETS.pgRight}@127.0.0.1/x`),
        });
      },
    );
  });

  it('none of the secrets appears in anything captured', () => {
    const channels = new Set(captured.map((c) => c.channel.split(': ')[1]));
    for (const expected of [
      'log',
      'event',
      'status',
      'health',
      'metrics',
      'start error',
      'denied error',
      'file logs/audit.jsonl',
    ]) {
      expect([...channels]).toContain(expected);
    }
    expect(captured.filter((c) => c.channel.endsWith(': log')).length).toBeGreaterThan(3);
    // The failures did reach the channels (so the check below looks at real text), scrubbed.
    const all = (channel: string): string =>
      captured
        .filter((c) => c.channel.endsWith(channel))
        .map((c) => c.text)
        .join('\n');
    expect(all(': log')).toMatch(/password authentication failed/);
    expect(all(': log')).toContain('postgres://postgres:[REDACTED]@127.0.0.1');
    expect(all('file logs/audit.jsonl')).toMatch(/"who":"alice".*"decision":"deny".*wrong password/);
    expect(all('file logs/audit.jsonl')).toMatch(/db:raw/);
    const values = { ...SECRETS, ...Object.fromEntries(issued.map((t, i) => [`token${i}`, t])) };
    expect(issued.length).toBe(2);
    const leaks: string[] = [];
    for (const [name, secret] of Object.entries(values)) {
      for (const c of captured) if (c.text.includes(secret)) leaks.push(`${name} in ${c.channel}`);
    }
    expect(leaks).toEqual([]);
  });
});
