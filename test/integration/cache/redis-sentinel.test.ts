import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import { createResilience, type Resilience } from '../../../src/resilience/index.js';
import { cacheTestContext, uniquePrefix, type TestContext } from '../../unit/cache/test-context.js';
import { describeCacheBehaviour } from './behaviour-suite.js';
import { removeDir, run, startSentinelSetup, type TestServer } from './test-servers.js';

// A master (6391), its replica (6392) and a Sentinel (6393), on cache's reserved ports.
const NAME = 'stator-cache-test';
const SENTINEL = { name: NAME, nodes: [{ host: '127.0.0.1', port: 6393 }] };
const SIGNAL = new AbortController().signal;
let servers: { master: TestServer; replica: TestServer; sentinel: TestServer; dir: string } | undefined;

beforeAll(async () => {
  servers = await startSentinelSetup(NAME, [6391, 6392, 6393]);
}, 60_000);

afterAll(async () => {
  if (!servers) return;
  await Promise.all([servers.sentinel.dispose(), servers.master.dispose(), servers.replica.dispose()]);
  removeDir(servers.dir);
});

// The whole API through the Sentinel-managed master.
describeCacheBehaviour({
  name: 'redis',
  canInvalidatePrefix: true,
  countsTagRemovals: true,
  nodes: [NAME],
  async create(cache = {}) {
    const ctx = cacheTestContext({
      driver: 'redis',
      sentinel: SENTINEL,
      key_prefix: uniquePrefix('sentinel'),
      ...cache,
    });
    const layer = createCacheLayer(ctx);
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    return { layer, ctx, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  },
});

describe('redis sentinel: the master dies and the Sentinel promotes the replica', () => {
  let ctx: TestContext;
  let resilience: Resilience;
  let layer: CacheLayer;

  beforeAll(async () => {
    ctx = cacheTestContext(
      {
        driver: 'redis',
        sentinel: SENTINEL,
        key_prefix: uniquePrefix('sentinel-failover'),
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
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  });

  afterAll(async () => {
    await layer.stop(SIGNAL);
    await resilience.stop();
  });

  it('follows the failover to the new master by itself', async () => {
    await layer.api.set('before', 'written to the old master');
    // Wait until the replica has it, so it survives the failover.
    await vi.waitFor(async () => {
      const keys = await run('redis-cli', ['-p', '6392', '--scan', '--pattern', `${ctx.config.cache.key_prefix}*`]);
      expect(keys).toContain('before');
    });
    await servers!.master.kill();
    await vi.waitFor(() => {
      const nodes = (layer.details?.().nodes ?? {}) as Record<string, { state: string }>;
      expect(nodes[NAME]?.state).toBe('reconnecting');
    });
    // The Sentinel promotes 6392; ioredis asks it for the master again and reconnects there.
    await vi.waitFor(
      async () => {
        await layer.api.set('after', 'written to the new master');
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(await layer.api.get('before')).toBe('written to the old master');
    expect(await layer.api.get('after')).toBe('written to the new master');
    const master = await run('redis-cli', ['-p', '6393', 'sentinel', 'get-master-addr-by-name', NAME]);
    expect(master).toContain('6392');
    const nodes = (layer.details?.().nodes ?? {}) as Record<string, { state: string }>;
    expect(nodes[NAME]?.state).toBe('idle');
    await layer.api.invalidate({ prefix: '' });
  });
});
