import { afterAll } from 'vitest';
import { createCacheLayer } from '../../../src/cache/index.js';
import { cacheTestContext, uniquePrefix } from '../../unit/cache/test-context.js';
import { describeCacheBehaviour } from './behaviour-suite.js';

const SIGNAL = new AbortController().signal;
const prefix = uniquePrefix('redis');

// The shared Redis of the test machine; every key of this file starts with its own prefix.
describeCacheBehaviour({
  name: 'redis',
  canInvalidatePrefix: true,
  nodes: ['127.0.0.1:6379'],
  countsTagRemovals: true,
  async create(cache = {}) {
    const ctx = cacheTestContext({
      driver: 'redis',
      host: '127.0.0.1',
      port: 6379,
      key_prefix: prefix,
      default_ttl: 600,
      ...cache,
    });
    const layer = createCacheLayer(ctx);
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    return { layer, ctx, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  },
});

afterAll(async () => {
  const ctx = cacheTestContext({ driver: 'redis', host: '127.0.0.1', port: 6379, key_prefix: prefix });
  const layer = createCacheLayer(ctx);
  await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  await layer.api.invalidate({ prefix: '' });
  await layer.stop(SIGNAL);
});
