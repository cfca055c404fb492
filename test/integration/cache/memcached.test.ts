import memjs from 'memjs';
import { afterAll } from 'vitest';
import { memcachedKey } from '../../../src/cache/drivers/memcached-key.js';
import { tagKey } from '../../../src/cache/tag-key.js';
import { createCacheLayer } from '../../../src/cache/index.js';
import { cacheTestContext, uniquePrefix } from '../../unit/cache/test-context.js';
import { describeCacheBehaviour } from './behaviour-suite.js';

const SIGNAL = new AbortController().signal;
const prefix = uniquePrefix('memcached');

// The shared Memcached of the test machine. It cannot list keys, so this file's keys (under
// their own prefix) get a default TTL of ten minutes and expire by themselves.
describeCacheBehaviour({
  name: 'memcached',
  canInvalidatePrefix: false,
  nodes: ['127.0.0.1:11211'],
  countsTagRemovals: false,
  async create(cache = {}) {
    const ctx = cacheTestContext({
      driver: 'memcached',
      host: '127.0.0.1',
      port: 11211,
      key_prefix: prefix,
      default_ttl: 600,
      ...cache,
    });
    const layer = createCacheLayer(ctx);
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    return { layer, ctx, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  },
});

// The tag version keys this suite created have no expiry: remove them.
afterAll(async () => {
  const client = memjs.Client.create('127.0.0.1:11211', { logger: { log: () => undefined } });
  for (const tag of ['red', 'blue', 'green', 'batch', 'own', 'ev'])
    await client.delete(memcachedKey(tagKey(prefix, tag)));
  client.close();
});
