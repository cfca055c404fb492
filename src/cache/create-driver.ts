import type { RuntimeContext } from '../runtime/context.js';
import type { CacheDriver, NodeObserver } from './driver.js';
import { MemoryDriver } from './drivers/memory-driver.js';

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
        ...(config.max_value_bytes !== undefined ? { maxValueBytes: config.max_value_bytes } : {}),
      });
    default:
      void observer;
      throw new TypeError(`cache driver ${config.driver} is not available yet`);
  }
}
