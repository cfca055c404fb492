import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import type { LayerHealth } from '../../../src/kernel/layer.js';
import { createResilience, type Resilience } from '../../../src/resilience/index.js';
import { cacheTestContext, uniquePrefix, type TestContext } from '../../unit/cache/test-context.js';
import { describeCacheBehaviour } from './behaviour-suite.js';
import { removeDir, run, startRedisCluster, waitForClusterOk, type TestServer } from './test-servers.js';

// A real Redis Cluster of this file's own: 3 masters + 3 replicas on cache's ports 7000–7005.
const PORTS = [7000, 7001, 7002, 7003, 7004, 7005];
const SIGNAL = new AbortController().signal;
const SEEDS = PORTS.slice(0, 3).map((port) => ({ host: '127.0.0.1', port }));
let nodes: TestServer[] = [];
let dir = '';

beforeAll(async () => {
  ({ nodes, dir } = await startRedisCluster(PORTS, 1));
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.dispose()));
  if (dir) removeDir(dir);
});

// The whole API, with keys spread over the slots of three masters.
describeCacheBehaviour({
  name: 'redis',
  canInvalidatePrefix: true,
  countsTagRemovals: true,
  nodes: PORTS.map((p) => `127.0.0.1:${p}`),
  async create(cache = {}) {
    const ctx = cacheTestContext({
      driver: 'redis',
      cluster: { nodes: SEEDS },
      key_prefix: uniquePrefix('cluster'),
      ...cache,
    });
    const layer = createCacheLayer(ctx);
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    // Every node of the topology is connected (and its machine up) before the test looks.
    await vi.waitFor(
      () => {
        const seen = Object.values((layer.details?.().nodes ?? {}) as Record<string, { state: string }>);
        expect(seen.filter((n) => n.state === 'idle')).toHaveLength(PORTS.length);
      },
      { timeout: 20_000 },
    );
    return { layer, ctx, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  },
});

describe('redis cluster: a master is killed, fails over, and comes back', () => {
  let ctx: TestContext;
  let resilience: Resilience;
  let layer: CacheLayer;
  const health: LayerHealth[] = [];

  beforeAll(async () => {
    ctx = cacheTestContext(
      {
        driver: 'redis',
        cluster: { nodes: SEEDS },
        key_prefix: uniquePrefix('cluster-faults'),
        timeout: 1,
        retry_delay: 0.2,
      },
      {
        config: {
          error_handling: {
            retry: { max_attempts: 1 },
            circuit_breaker: { reset_timeout: 1, trial_timeout: 1, shared: false },
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
  });

  const states = (): Record<string, string> =>
    Object.fromEntries(
      Object.entries((layer.details?.().nodes ?? {}) as Record<string, { state: string }>).map(([a, n]) => [
        a,
        n.state,
      ]),
    );

  it('reports the dead node, serves every slot again after failover, and takes the node back after its restart', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `spread:${i}`);
    await layer.api.setMany(keys.map((key) => ({ key, value: key })));
    expect(await layer.api.getMany(keys)).toEqual(keys);

    // The master that owns slot 0 (and so some of the keys).
    const masterOut = await run('redis-cli', ['-p', '7000', 'cluster', 'nodes']);
    const line = masterOut.split('\n').find((l) => /master/.test(l) && / 0-\d+/.test(l));
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line ?? '')?.[1]);
    const victim = nodes[PORTS.indexOf(port)]!;
    const address = `127.0.0.1:${port}`;
    await vi.waitFor(() => expect(states()[address]).toBe('idle'), { timeout: 20_000 });

    await victim.kill();
    // Its connection machine follows ioredis: reconnecting; the cache is degraded, not down.
    await vi.waitFor(() => expect(states()[address]).toBe('reconnecting'), { timeout: 20_000 });
    await vi.waitFor(() => expect(health.at(-1)?.status).toBe('degraded'), { timeout: 20_000 });
    // Keys on the other masters are served throughout.
    const during = await layer.api.getMany(keys);
    expect(during.filter((v) => v !== undefined).length).toBeGreaterThan(0);

    // The replica takes over; writes to every slot succeed again without touching Stator.
    await waitForClusterOk(PORTS.filter((p) => p !== port));
    await vi.waitFor(
      async () => {
        await layer.api.setMany(keys.map((key) => ({ key, value: `${key}:v2` })));
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(await layer.api.getMany(keys)).toEqual(keys.map((k) => `${k}:v2`));

    // The old master comes back (as a replica of the new one) and is connected again.
    await victim.restart();
    await vi.waitFor(() => expect(states()[address]).toBe('idle'), { timeout: 30_000 });
    await vi.waitFor(() => expect(health.at(-1)?.status).toBe('up'), { timeout: 30_000 });
    expect(ctx.published.some((e) => e.source === `cache/${address}` && e.state === 'reconnecting')).toBe(true);
    await layer.api.invalidate({ prefix: '' });
  });
});
