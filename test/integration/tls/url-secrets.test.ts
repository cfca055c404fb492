import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startStatorServer } from '../../../src/http/index.js';
import { createStator, type Stator } from '../../../src/index.js';
import {
  makeCertificates,
  makeTempDir,
  removeTempDir,
  startPostgres,
  startRedisTls,
  USERS,
  type Certificates,
  type Started,
} from './tls-servers.js';

// A password given only inside database.url and cache.url (from the environment) must appear in
// no output channel: log lines, errors, events$ and the event log file, status$, health(),
// /status /health /metrics, and configuration errors. Servers: ports 20320–20321, HTTP 20322.
const PG = 20320;
const REDIS = 20321;
const HTTP = 20322;
const NOTHING = 20329;
const PASSWORD = USERS.app.password;

let dir = '';
let certs: Certificates;
const servers: Started[] = [];
/** Everything any channel produced, by channel. */
const seen: Array<{ channel: string; text: string }> = [];
const capture = (channel: string, value: unknown): void => {
  seen.push({ channel, text: typeof value === 'string' ? value : JSON.stringify(value) });
};

beforeAll(async () => {
  dir = makeTempDir('secrets');
  certs = makeCertificates(dir);
  servers.push(...(await Promise.all([startPostgres(dir, certs, PG), startRedisTls(dir, certs, REDIS)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  removeTempDir(dir);
});

const credentials = `${USERS.app.name}:${encodeURIComponent(PASSWORD)}`;

/** A YAML file whose URLs come from the environment, as platforms hand them out. */
function configFile(name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'filesystem:',
      `  base_path: ${join(dir, name)}`,
      'cache:',
      '  url: ${REDIS_URL}',
      `  tls: { ca_file: ${certs.ca} }`,
      '  retry_attempts: 0',
      'database:',
      '  url: ${DATABASE_URL}',
      `  ssl: { ca_file: ${certs.ca} }`,
      '  retry_attempts: 0',
      '  timeout: 5',
      'events:',
      '  path: logs/events.jsonl',
      '',
    ].join('\n'),
  );
  return file;
}

/** One Stator life with every channel captured. */
function life(name: string, env: Record<string, string>): Stator {
  const logs = new Writable({
    write(chunk: Buffer, _encoding, done) {
      capture(`${name}: log`, chunk.toString());
      done();
    },
  });
  const config = loadConfig(configFile(name), { env: { ...process.env, ...env } });
  const stator = createStator({ config, logger: { level: 'debug', format: 'json', stream: logs } });
  stator.events$.subscribe((e) => capture(`${name}: event`, e));
  stator.status$.subscribe((s) => capture(`${name}: status`, s));
  return stator;
}

describe('a password given only inside a URL', () => {
  it('is in no log line, event, status, HTTP answer or error of a Stator that runs', async () => {
    const stator = life('runs', {
      DATABASE_URL: `postgres://${credentials}@127.0.0.1:${PG}/test?sslmode=verify-full`,
      REDIS_URL: `rediss://${credentials}@127.0.0.1:${REDIS}/0`,
    });
    await stator.start();
    try {
      await stator.cache.set('url-secrets', { ok: true });
      expect(await stator.cache.get('url-secrets')).toEqual({ ok: true });
      expect((await stator.db.knex.raw<{ rows: Array<{ one: number }> }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
      await stator.db.knex
        .raw('SELECT no_such_column FROM pg_class')
        .catch((error: unknown) => capture('runs: query error', String(error)));
      capture('runs: health', stator.health());
      const http = await startStatorServer(stator, { port: HTTP, host: '127.0.0.1' });
      try {
        for (const path of ['/status', '/health', '/metrics', '/ready'])
          capture(`runs: GET ${path}`, await (await fetch(`${http.url}${path}`)).text());
      } finally {
        await new Promise<void>((resolve) => http.server.close(() => resolve()));
      }
    } finally {
      await stator.cache.delete('url-secrets');
      await stator.stop();
    }
    capture('runs: event log', readFileSync(join(dir, 'runs', 'logs', 'events.jsonl'), 'utf8'));
    expect(seen.filter((s) => s.channel.startsWith('runs: log')).length).toBeGreaterThan(3);
    expect(seen.find((s) => s.channel === 'runs: GET /status')?.text).toMatch(/"status":"up"/);
  });

  it('is in no error, log line or event of a Stator that cannot reach its database', async () => {
    const stator = life('fails', {
      DATABASE_URL: `postgres://${credentials}@127.0.0.1:${NOTHING}/test?sslmode=verify-full`,
      REDIS_URL: `rediss://${credentials}@127.0.0.1:${REDIS}/0`,
    });
    let failure: unknown;
    try {
      await stator.start();
    } catch (error) {
      failure = error;
      capture('fails: start error', String(error));
      capture('fails: start error stack', (error as Error).stack ?? '');
    } finally {
      await stator.stop();
    }
    expect(String(failure)).toMatch(/postgresql database "test" at 127\.0\.0\.1:20329 as user "app_user"/);
  });

  it('is in no configuration error: a malformed URL is explained by its path, not echoed', () => {
    let message = '';
    try {
      loadConfig(configFile('malformed'), {
        env: {
          ...process.env,
          DATABASE_URL: `postgres://${credentials}@db.internal:54x2/test`,
          REDIS_URL: `rediss://${credentials}@127.0.0.1:${REDIS}`,
        },
      });
    } catch (error) {
      message = String(error);
    }
    capture('malformed: config error', message);
    expect(message).toMatch(
      /database\.url: expected a URL like postgres:\/\/app@db\.example\.com:5432\/app\?sslmode=verify-full .*, but the port of the host is not a number from 1 to 65535/,
    );
    expect(message).not.toContain('db.internal');
    expect(message).not.toContain('54x2');
  });

  it('appears nowhere in what all of the above produced', () => {
    expect(seen.length).toBeGreaterThan(20);
    const leaks = seen
      .filter((s) => s.text.includes(PASSWORD) || s.text.includes(encodeURIComponent(PASSWORD)))
      .map((s) => s.channel);
    expect(leaks).toEqual([]);
  });
});
