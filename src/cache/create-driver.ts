import type { RuntimeContext } from '../kernel/context.js';
import type { CacheDriver, NodeObserver } from './driver.js';
import { MemcachedDriver } from './drivers/memcached-driver.js';
import { MemoryDriver } from './drivers/memory-driver.js';
import { RedisDriver } from './drivers/redis-driver.js';

/**
 * The driver `cache.driver` names, configured from the `cache` section. Remote drivers report
 * their server connections to `observer`.
 */
export function createDriver(ctx: RuntimeContext, observer: NodeObserver): CacheDriver {
  const config = ctx.config.cache;
  switch (config.driver) {
    case 'memory':
      return new MemoryDriver({
        maxItems: config.max_items,
        clock: ctx.clock,
        keyPrefix: config.key_prefix,
        ...(config.max_value_bytes !== undefined ? { maxValueBytes: config.max_value_bytes } : {}),
      });
    case 'redis':
      return new RedisDriver(config, observer, ctx.clock);
    case 'memcached':
      return new MemcachedDriver({ config, observer, clock: ctx.clock, logger: ctx.logger });
  }
}
