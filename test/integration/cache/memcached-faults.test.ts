import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import { isCacheUnavailableError } from '../../../src/errors/cache-unavailable-error.js';
import { isCircuitOpenError } from '../../../src/errors/circuit-open-error.js';
import type { LayerHealth } from '../../../src/kernel/layer.js';
import { classifyError, createResilience, type Resilience } from '../../../src/resilience/index.js';
import { cacheTestContext, uniquePrefix, type TestContext } from '../../unit/cache/test-context.js';
import { startMemcached, type TestServer } from './test-servers.js';

// Memcached servers of this file's own (cache's reserved ports 11300–11309).
const SIGNAL = new AbortController().signal;
const BREAKER = { window: 30, minimum_calls: 5, threshold: 0.5, reset_timeout: 1, trial_timeout: 1, shared: false };

interface Setup {
  ctx: TestContext;
  resilience: Resilience;
  layer: CacheLayer;
  health: LayerHealth[];
}

async function setup(servers: readonly number[]): Promise<Setup> {
  const ctx = cacheTestContext(
    {
      driver: 'memcached',
      servers: servers.map((p) => `127.0.0.1:${p}`),
      key_prefix: uniquePrefix('memcached-faults'),
      timeout: 0.5,
      retry_delay: 0.2,
    },
    { config: { error_handling: { retry: { max_attempts: 1 }, circuit_breaker: BREAKER } } },
  );
  const resilience = createResilience(ctx);
  const layer = createCacheLayer(ctx, { resilience });
  const health: LayerHealth[] = [];
  layer.health$?.subscribe((h) => health.push(h));
  await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  return { ctx, resilience, layer, health };
}

const nodeState = (layer: CacheLayer, address: string): string | undefined =>
  ((layer.details?.().nodes ?? {}) as Record<string, { state: string }>)[address]?.state;

describe('memcached cache when its server dies, freezes and comes back', () => {
  let server: TestServer;
  let s: Setup;
  const address = '127.0.0.1:11300';

  beforeAll(async () => {
    server = await startMemcached(11300);
    s = await setup([11300]);
  });

  afterAll(async () => {
    await s.layer.stop(SIGNAL);
    await s.resilience.stop();
    await server.dispose();
  });

  it('killed mid-load: reads fall back, writes fail clearly, the breaker opens, then all recovers by itself', async () => {
    const { layer, resilience, health } = s;
    const keys = Array.from({ length: 20 }, (_, i) => `hot:${i}`);
    await layer.api.setMany(keys.map((key, i) => ({ key, value: { i } })));
    for (const key of keys) expect(await layer.api.get(key)).toEqual({ i: Number(key.slice(4)) });

    let stop = false;
    let settled = 0;
    const load = (async () => {
      while (!stop) {
        await Promise.all(keys.map((k) => layer.api.get(k)));
        settled += keys.length;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await vi.waitFor(() => expect(settled).toBeGreaterThan(0));
    await server.kill();

    await vi.waitFor(() => expect(nodeState(layer, address)).toBe('reconnecting'));
    await vi.waitFor(() => expect(health.at(-1)?.status).toBe('down'));
    expect(await layer.api.get('hot:7')).toEqual({ i: 7 });

    await vi.waitFor(() => expect(resilience.breaker('cache')?.state).toBe('open'), { timeout: 20_000 });
    const refused = await layer.api.set('during-outage', 1).catch((e: unknown) => e);
    expect(isCacheUnavailableError(refused)).toBe(true);
    expect(isCircuitOpenError((refused as Error).cause)).toBe(true);
    const loader = vi.fn(async () => 'loaded directly');
    expect(await layer.api.getOrSet('outage', loader)).toBe('loaded directly');
    expect(loader).toHaveBeenCalledTimes(1);

    stop = true;
    await load;

    await server.restart();
    await vi.waitFor(() => expect(nodeState(layer, address)).toBe('idle'), { timeout: 20_000 });
    await vi.waitFor(() => expect(resilience.breaker('cache')?.state).toBe('closed'), { timeout: 20_000 });
    await vi.waitFor(
      async () => {
        await layer.api.set('after-restart', 'written');
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(await layer.api.get('after-restart')).toBe('written');
    expect(health.at(-1)?.status).toBe('up');
  });

  it('frozen (SIGSTOP): calls settle with a timeout instead of hanging, then it recovers', async () => {
    const { layer } = s;
    await vi.waitFor(
      async () => {
        await layer.api.set('frozen:1', 'before');
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(await layer.api.get('frozen:1')).toBe('before');
    await server.freeze();
    try {
      const error = await layer.api.set('frozen:2', 'lost').catch((e: unknown) => e);
      expect(isCacheUnavailableError(error)).toBe(true);
      expect(classifyError((error as Error).cause).kind).toBe('timeout');
      expect(await layer.api.get('frozen:1')).toBe('before');
      // memjs keeps its socket; the server's machine says it stopped answering, and status shows it.
      await vi.waitFor(() => expect(nodeState(layer, address)).toBe('unresponsive'));
      const node = ((layer.details?.().nodes ?? {}) as Record<string, { lastError?: string }>)[address];
      expect(node?.lastError).toMatch(/no answer within \d+ ms \(cache.timeout\)/);
      await vi.waitFor(() => expect(s.health.at(-1)).toMatchObject({ status: 'down' }));
      // Under steady load the socket is never idle, so memjs' own (idle) timeout never fires:
      // every call still settles within cache.timeout, and the breaker opens.
      let stop = false;
      let settled = 0;
      const load = (async () => {
        while (!stop) {
          await Promise.allSettled([layer.api.get('frozen:1'), layer.api.set('frozen:load', 1)]);
          settled += 2;
          // Calls refused by an open breaker settle in microtasks: let timers run.
          await new Promise((r) => setImmediate(r));
        }
      })();
      await vi.waitFor(() => expect(s.resilience.breaker('cache')?.state).toBe('open'), { timeout: 20_000 });
      stop = true;
      await load;
      expect(settled).toBeGreaterThan(0);
    } finally {
      server.thaw();
    }
    await vi.waitFor(
      async () => {
        await layer.api.set('frozen:3', 'after');
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(await layer.api.get('frozen:3')).toBe('after');
    await vi.waitFor(() => expect(nodeState(layer, address)).toBe('idle'), { timeout: 20_000 });
    await vi.waitFor(() => expect(s.health.at(-1)?.status).toBe('up'));
  });
});

describe('memcached cache over two servers when one dies', () => {
  let servers: TestServer[];
  let s: Setup;

  beforeAll(async () => {
    servers = await Promise.all([startMemcached(11301), startMemcached(11302)]);
    s = await setup([11301, 11302]);
  });

  afterAll(async () => {
    await s.layer.stop(SIGNAL);
    await s.resilience.stop();
    await Promise.all(servers.map((server) => server.dispose()));
  });

  it('is degraded naming the dead server, keeps serving keys of the other, and is up again after a restart', async () => {
    const { layer, health } = s;
    const keys = Array.from({ length: 40 }, (_, i) => `spread:${i}`);
    await layer.api.setMany(keys.map((key) => ({ key, value: key })));
    await servers[1]!.kill();
    // Reads of every key: those on the dead server fail (and mark it down), the others answer.
    const values = await layer.api.getMany(keys);
    const survivors = values.filter((v) => v !== undefined).length;
    expect(survivors).toBeGreaterThan(0);
    expect(survivors).toBeLessThan(keys.length);
    await vi.waitFor(() => expect(health.at(-1)?.status).toBe('degraded'));
    expect(health.at(-1)).toMatchObject({ reason: expect.stringContaining('127.0.0.1:11302') });
    expect(nodeState(layer, '127.0.0.1:11301')).toBe('idle');
    expect(nodeState(layer, '127.0.0.1:11302')).toBe('reconnecting');
    expect(await layer.check(SIGNAL)).toMatchObject({ status: 'degraded' });

    await servers[1]!.restart();
    await vi.waitFor(() => expect(nodeState(layer, '127.0.0.1:11302')).toBe('idle'), { timeout: 20_000 });
    expect(health.at(-1)?.status).toBe('up');
  });
});
