import { createCacheLayer } from '../../../src/cache/index.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { cacheTestContext, uniquePrefix } from '../../unit/cache/test-context.js';
import { describeCacheBehaviour } from './behaviour-suite.js';

const SIGNAL = new AbortController().signal;

// The embedded default: no server, time on a TestClock.
describeCacheBehaviour({
  name: 'memory',
  canInvalidatePrefix: true,
  nodes: [],
  countsTagRemovals: true,
  async create(cache = {}) {
    const clock = new TestClock(1_700_000_000_000);
    const ctx = cacheTestContext({ driver: 'memory', key_prefix: uniquePrefix('memory'), ...cache }, { clock });
    const layer = createCacheLayer(ctx);
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    return { layer, ctx, advance: (ms) => clock.advance(ms) };
  },
});
