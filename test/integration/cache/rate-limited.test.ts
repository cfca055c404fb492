import { afterAll, describe, expect, it } from 'vitest';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import { createResilience, type Resilience } from '../../../src/resilience/index.js';
import { cacheTestContext, uniquePrefix } from '../../unit/cache/test-context.js';

// With a rate limit on the cache, a call cannot be admitted synchronously: the cache goes through
// Pipeline.run/read instead of Pipeline.admit. Same answers either way.
const SIGNAL = new AbortController().signal;
const SERVERS = {
  redis: { driver: 'redis', host: '127.0.0.1', port: 6379 },
  memcached: { driver: 'memcached', host: '127.0.0.1', port: 11211 },
} as const;

describe.each(Object.entries(SERVERS))('%s cache behind a rate limit (Pipeline.run/read path)', (_name, server) => {
  const started: Array<{ layer: CacheLayer; resilience: Resilience }> = [];

  afterAll(async () => {
    for (const { layer, resilience } of started) {
      await layer.api.invalidate({ keys: ['a', 'b', 'loaded'] }).catch(() => undefined);
      await layer.stop(SIGNAL);
      await resilience.stop();
    }
  });

  it('get/set/has/delete/getOrSet answer as on the direct path, with every call counted by the pipeline', async () => {
    const ctx = cacheTestContext(
      { ...server, key_prefix: uniquePrefix(`rate-limited-${server.driver}`), default_ttl: 60 },
      {
        config: {
          error_handling: {
            rate_limit: { cache: { max_concurrent: 2, shared: false } },
            circuit_breaker: { shared: false },
          },
        },
      },
    );
    const resilience = createResilience(ctx);
    const layer = createCacheLayer(ctx, { resilience });
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    started.push({ layer, resilience });
    expect(resilience.pipeline('cache').admit('get')).toBeUndefined();

    await Promise.all([layer.api.set('a', { n: 1 }), layer.api.set('b', [1, 2, 3])]);
    expect(await Promise.all([layer.api.get('a'), layer.api.get('b'), layer.api.get('missing')])).toEqual([
      { n: 1 },
      [1, 2, 3],
      undefined,
    ]);
    expect(await layer.api.has('a')).toBe(true);
    expect(await layer.api.delete('a')).toBe(true);
    expect(await layer.api.get('a')).toBeUndefined();
    let loads = 0;
    const loader = async (): Promise<string> => {
      loads++;
      return 'from the loader';
    };
    expect(await layer.api.getOrSet('loaded', loader)).toBe('from the loader');
    expect(await layer.api.getOrSet('loaded', loader)).toBe('from the loader');
    expect(loads).toBe(1);
    const text = await ctx.metrics.metrics();
    expect(text).toMatch(/stator_resilience_calls_total\{resource="cache",outcome="success"\} (1[0-9]|[2-9][0-9])/);
    expect(text).toContain('stator_resilience_calls_total{resource="cache",outcome="failure"} 0');
  });
});
