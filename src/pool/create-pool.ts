import type { RuntimeContext } from '../kernel/context.js';
import { ConnectionPool } from './connection-pool.js';
import type { Pool } from './pool.js';
import type { PoolOptions } from './pool-options.js';

/**
 * Creates a pool named `options.name` on `ctx`: timers on `ctx.clock`, connection machines on
 * `ctx.events` as `pool.<name>/conn-<n>`, metrics on `ctx.metrics`; every option not given is
 * read from `ctx.config.connection_pool`.
 */
export function createPool<C>(ctx: RuntimeContext, options: PoolOptions<C>): Pool<C> {
  return new ConnectionPool(ctx, options);
}
