import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatorServer, type StatorServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import type { StatusSnapshot } from '../../../src/status/status-manager.js';
import { startRedis, type TestServer } from '../cache/test-servers.js';
import { readSse } from './sse-client.js';

// Its own Redis on an observability port (6400–6409), stopped and started again by the test.
const REDIS_PORT = 6401;

interface Ready {
  readonly status: number;
  readonly body: {
    ready: boolean;
    reason?: string;
    blockers?: Array<{ resource: string; state: string; detail?: string }>;
  };
}

async function ready(server: StatorServer): Promise<Ready> {
  const r = await fetch(`${server.url}/ready`);
  return { status: r.status, body: (await r.json()) as Ready['body'] };
}

/** Polls /ready until it answers `status` (the test's timeout bounds the wait). */
async function readyUntil(server: StatorServer, status: number): Promise<Ready> {
  for (;;) {
    const r = await ready(server);
    if (r.status === status) return r;
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('/ready and /status follow a required Redis going away and coming back', () => {
  let redis: TestServer;
  let stator: Stator;
  let server: StatorServer;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis(REDIS_PORT);
    dir = mkdtempSync(join(tmpdir(), 'stator-ready-redis-'));
    stator = createStator({
      logger: createLogger({ silent: true }),
      config: {
        cache: {
          driver: 'redis',
          port: REDIS_PORT,
          timeout: 0.5,
          retry_attempts: 100,
          retry_delay: 0.2,
          key_prefix: 'h7-ready:',
        },
        filesystem: { base_path: dir },
        monitoring: { health_interval: 0.2 },
        supervisor: { max_restarts: 100 },
        shutdown: { drain_delay: 0 },
      },
      layers: { database: false },
    });
    await stator.start();
    server = await startStatorServer(stator, { port: 0, heartbeatSeconds: 0, showDetails: 'always' });
  });

  afterAll(async () => {
    await stator?.shutdown();
    await server?.close();
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with the reason while Redis is down, 200 once it is back, and streams the transitions in order', async () => {
    expect(await ready(server)).toEqual({ status: 200, body: { ready: true } });
    const sse = await readSse(`${server.url}/status`);
    await sse.waitFor(1);

    await redis.kill();
    const down = await readyUntil(server, 503);
    expect(down.body.ready).toBe(false);
    expect(down.body.reason).toMatch(/^cache is (recovering|initializing|failed)/);
    expect(down.body.blockers?.[0]).toMatchObject({ resource: 'cache' });
    expect(down.body.blockers?.[0]?.detail).toBeTruthy();
    // The required cache cannot serve while it is not ready (recovering, restarting): overall
    // health is down, served as 503.
    expect(stator.health().resources.cache?.state).not.toBe('ready');
    const health = await fetch(`${server.url}/health`);
    expect({ status: health.status, body: ((await health.json()) as { status: string }).status }).toEqual({
      status: 503,
      body: 'down',
    });

    await redis.restart();
    expect(await readyUntil(server, 200)).toEqual({ status: 200, body: { ready: true } });
    const last = (await (await fetch(`${server.url}/status`)).json()) as StatusSnapshot;
    const snapshots = sse.events as StatusSnapshot[];
    const readinessSeq = (): Array<boolean | undefined> =>
      snapshots.map((s) => s.readiness?.ready).filter((r, i, all) => r !== all[i - 1]);
    // The stream may trail the HTTP answers by a moment: wait for the return to ready to arrive.
    while (readinessSeq().length < 3) await new Promise((done) => setTimeout(done, 20));
    sse.close();

    const readiness = readinessSeq();
    expect(readiness).toEqual([true, false, true]);
    const cache = snapshots.map((s) => s.resources.cache?.state).filter((r, i, all) => r !== all[i - 1]);
    expect(cache[0]).toBe('ready');
    expect(cache.at(-1)).toBe('ready');
    expect(cache.length).toBeGreaterThanOrEqual(3);
    // In order: the times never go back.
    const times = snapshots.map((s) => s.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(last.readiness).toEqual({ ready: true });
  });
});
