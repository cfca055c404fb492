import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatorDb } from '../../../src/database/database-api.js';
import { parseEventLog } from '../../../src/events/event-log-reader.js';
import { replay } from '../../../src/events/replay.js';
import { formatTimeline } from '../../../src/events/timeline.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { ResourceLayer } from '../../../src/kernel/layer.js';
import { startRedis, type RedisProcess } from '../../fixtures/redis-process.js';

// Port reserved for the events area (6410–6419); 6410 is the incident recorder's.
const REDIS_PORT = 6411;
const password = `pw-${randomBytes(12).toString('hex')}`;
const token = `tok-${randomBytes(16).toString('hex')}`;

let redis: RedisProcess;
const dirs: string[] = [];

beforeAll(async () => {
  // A Redis that wants the token as its password: ioredis sends it on every (re)connect.
  redis = await startRedis(REDIS_PORT, ['--requirepass', token]);
});

afterAll(async () => {
  await redis?.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stator-events-'));
  dirs.push(dir);
  return dir;
};

/** A layer of the service's own whose first start fails with a driver-like message that echoes the secrets. */
const leakyLayer = (): ResourceLayer => {
  let attempts = 0;
  return {
    name: 'gateway',
    start: async () => {
      if (++attempts === 1)
        throw new Error(`connect postgres://app:${password}@gateway.internal/app failed; bearer ${token} refused`);
    },
    check: async () => ({ status: 'up' }),
    stop: async () => undefined,
  };
};

describe('events.path: the Stator writes its event log', () => {
  it('records every machine of a real run (Redis with a token, PostgreSQL with a password) without the secrets, and replays it', async () => {
    const dir = tempDir();
    process.env.STATOR_EVLOG_DB_PASSWORD = password;
    process.env.STATOR_EVLOG_REDIS_TOKEN = token;
    const configFile = path.join(dir, 'stator.yaml');
    writeFileSync(
      configFile,
      [
        'cache: { driver: redis, host: 127.0.0.1, port: ' + REDIS_PORT + ', password: "${STATOR_EVLOG_REDIS_TOKEN}" }',
        'database: { driver: postgresql, host: 127.0.0.1, port: 5432, database: test, username: postgres, password: "${STATOR_EVLOG_DB_PASSWORD}" }',
        `filesystem: { base_path: "${dir}/var" }`,
        'events: { path: logs/events.jsonl }',
        'supervisor: { resources: { gateway: { retry_attempts: 2, retry_delay: 0.01 } } }',
      ].join('\n'),
    );
    const stator = createStator({
      config: configFile,
      logger: createLogger({ silent: true }),
      layers: { gateway: leakyLayer },
    });
    await stator.start();
    await stator.cache.set('events-test:session', { user: 'ada' });
    expect(await stator.cache.get('events-test:session')).toEqual({ user: 'ada' });
    await (stator.db as StatorDb).knex.raw('select 1');
    await stator.cache.delete('events-test:session');
    await stator.stop();

    // Relative to filesystem.base_path; complete on disk when stop() resolved.
    const text = readFileSync(path.join(dir, 'var/logs/events.jsonl'), 'utf8');
    expect(text).not.toContain(password);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/\\n {4}at /); // no stack traces (JSON-escaped newlines): they name the host's files

    const events = parseEventLog(text);
    expect(events.map((e) => e.seq)).toEqual(events.map((e) => e.seq).sort((a, b) => a - b));
    const sources = new Set(events.map((e) => e.source));
    expect(sources).toContain('supervisor');
    expect(sources).toContain('supervisor/resource.cache');
    expect(sources).toContain(`cache/127.0.0.1:${REDIS_PORT}`);
    expect([...sources].some((s) => /^pool\.database\/conn-\d+$/.test(s))).toBe(true);
    // The failed first start reached the log, with the echoed secrets masked.
    const retry = events.find((e) => e.source === 'supervisor' && e.type === 'RESOURCE.RETRYING');
    expect(JSON.stringify(retry?.data)).toContain('[REDACTED]');
    expect(events.find((e) => e.source === 'supervisor')?.data).toMatchObject({ machine: 'supervisor' });
    expect(events.filter((e) => e.source === 'supervisor').at(-1)).toMatchObject({ state: 'stopped' });

    const result = await replay(events);
    expect(result.divergence, formatTimeline(result)).toBeUndefined();
    expect(result.states.supervisor).toContain('stopped');
  });

  it('leaves connection machines out of the file with include_connections: false (they stay on events$)', async () => {
    const dir = tempDir();
    const stator = createStator({
      config: { filesystem: { base_path: dir }, events: { path: 'events.jsonl', include_connections: false } },
      logger: createLogger({ silent: true }),
    });
    const seen: string[] = [];
    stator.events$.subscribe((e) => seen.push(e.source));
    await stator.start();
    await (stator.db as StatorDb).knex.raw('select 1');
    await stator.stop();
    const events = parseEventLog(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
    expect(seen.some((s) => s.startsWith('pool.database/conn-'))).toBe(true);
    expect(events.some((e) => e.source.startsWith('pool.database/conn-'))).toBe(false);
    expect(events.some((e) => e.source === 'supervisor/resource.database')).toBe(true);
  });
});
