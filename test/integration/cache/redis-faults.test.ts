import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import { isCacheUnavailableError } from '../../../src/errors/cache-unavailable-error.js';
import { isCircuitOpenError } from '../../../src/errors/circuit-open-error.js';
import type { LayerHealth } from '../../../src/kernel/layer.js';
import { classifyError, createResilience, type Resilience } from '../../../src/resilience/index.js';
import { cacheTestContext, uniquePrefix, type TestContext } from '../../unit/cache/test-context.js';
import { startRedis, type TestServer } from './test-servers.js';

// A Redis of this file's own (cache's reserved ports 6390–6399), killed and frozen mid-load.
const PORT = 6390;
const ADDRESS = `127.0.0.1:${PORT}`;
const SIGNAL = new AbortController().signal;

describe('redis cache when the server dies, freezes and comes back', () => {
  let server: TestServer;
  let ctx: TestContext;
  let resilience: Resilience;
  let layer: CacheLayer;
  const health: LayerHealth[] = [];

  beforeAll(async () => {
    server = await startRedis(PORT);
    ctx = cacheTestContext(
      {
        driver: 'redis',
        host: '127.0.0.1',
        port: PORT,
        key_prefix: uniquePrefix('redis-faults'),
        timeout: 0.5,
        retry_delay: 0.2,
      },
      {
        config: {
          error_handling: {
            retry: { max_attempts: 1 },
            circuit_breaker: {
              window: 30,
              minimum_calls: 5,
              threshold: 0.5,
              reset_timeout: 1,
              trial_timeout: 1,
              shared: false,
            },
          },
        },
      },
    );
    resilience = createResilience(ctx);
    layer = createCacheLayer(ctx, { resilience });
    layer.health$?.subscribe((h) => health.push(h));
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  });

  afterAll(async () => {
    await layer.stop(SIGNAL);
    await resilience.stop();
    await server.dispose();
  });

  const nodeState = (): string | undefined =>
    ((layer.details?.().nodes ?? {}) as Record<string, { state: string }>)[ADDRESS]?.state;

  it('killed mid-load: reads answer from the local copy, writes fail clearly, the breaker opens, then all recovers by itself', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `hot:${i}`);
    await layer.api.setMany(keys.map((key, i) => ({ key, value: { i, at: new Date(i) } })));
    // Read once while up: the pipeline keeps a local copy of each.
    expect(await layer.api.getMany(keys)).toHaveLength(20);
    for (const key of keys) await layer.api.get(key);

    // Load running while the server is killed.
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

    // The node's machine follows ioredis: reconnecting; the layer reports it down.
    await vi.waitFor(() => expect(nodeState()).toBe('reconnecting'));
    await vi.waitFor(() => expect(health.at(-1)?.status).toBe('down'));

    // Reads keep being answered, from the local copy of the last good value.
    expect(await layer.api.get('hot:3')).toEqual({ i: 3, at: new Date(3) });
    // A key never read before is a miss, not an error.
    expect(await layer.api.get('never-read')).toBeUndefined();

    // The breaker opens from the failures of the load; writes then fail at once with CACHE_UNAVAILABLE.
    await vi.waitFor(() => expect(resilience.breaker('cache')?.state).toBe('open'), { timeout: 20_000 });
    const refused = await layer.api.set('during-outage', 1).catch((e: unknown) => e);
    expect(isCacheUnavailableError(refused)).toBe(true);
    expect(isCircuitOpenError((refused as Error).cause)).toBe(true);

    // getOrSet calls the loader directly while the cache is down.
    const loader = vi.fn(async () => 'from the database');
    expect(await layer.api.getOrSet('outage-key', loader)).toBe('from the database');
    expect(loader).toHaveBeenCalledTimes(1);

    stop = true;
    await load; // every call of the load settled: none hung.

    // The server comes back; nothing is restarted on Stator's side.
    await server.restart();
    await vi.waitFor(() => expect(nodeState()).toBe('idle'), { timeout: 20_000 });
    await vi.waitFor(() => expect(resilience.breaker('cache')?.state).toBe('closed'), { timeout: 20_000 });
    await vi.waitFor(
      async () => {
        await layer.api.set('after-restart', 'written');
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(await layer.api.get('after-restart')).toBe('written');
    expect(health.at(-1)?.status).toBe('up');
    expect(await layer.check(SIGNAL)).toEqual({ status: 'up' });

    // The outage is on the event log: the node's machine went reconnecting and back to idle.
    const states = ctx.published.filter((e) => e.source === `cache/${ADDRESS}`).map((e) => e.state);
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('idle');
  });

  it('frozen (SIGSTOP): calls settle with a timeout instead of hanging, reads fall back, then it recovers', async () => {
    await layer.api.set('frozen:1', 'before');
    expect(await layer.api.get('frozen:1')).toBe('before');
    await server.freeze();
    try {
      // A write does not hang: it settles with CACHE_UNAVAILABLE caused by a timeout.
      const error = await layer.api.set('frozen:2', 'lost').catch((e: unknown) => e);
      expect(isCacheUnavailableError(error)).toBe(true);
      expect(classifyError((error as Error).cause).kind).toBe('timeout');
      // A read settles with the last good value.
      expect(await layer.api.get('frozen:1')).toBe('before');
      // The health check times out too, so the supervisor sees it.
      await expect(layer.check(SIGNAL)).rejects.toThrow();
      // ioredis keeps its socket and sees nothing wrong; the node's machine says it stopped answering.
      await vi.waitFor(() => expect(nodeState()).toBe('unresponsive'));
      const node = ((layer.details?.().nodes ?? {}) as Record<string, { lastError?: string }>)[ADDRESS];
      expect(node?.lastError).toMatch(/no answer within 500 ms/);
      await vi.waitFor(() => expect(health.at(-1)).toMatchObject({ status: 'down' }));
      expect((health.at(-1) as { error: Error }).error.message).toContain(`${ADDRESS} (unresponsive)`);
    } finally {
      server.thaw();
    }
    // Its PING is answered once it runs again: the node is idle, the layer up, nothing restarted.
    await vi.waitFor(() => expect(nodeState()).toBe('idle'), { timeout: 20_000 });
    await vi.waitFor(() => expect(health.at(-1)?.status).toBe('up'));
    await vi.waitFor(
      async () => {
        await layer.api.set('frozen:3', 'after');
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(await layer.api.get('frozen:3')).toBe('after');
    const text = await ctx.metrics.metrics();
    expect(text).toMatch(/stator_cache_errors_total\{driver="redis",kind="timeout"\} [1-9]/);
  });
});
