/**
 * The cache capability: `createCacheLayer(ctx)` gives the supervisor a {@link CacheLayer} and
 * the service `stator.cache` ({@link StatorCache}), over Redis (single node, Sentinel, Cluster),
 * Memcached (one or several servers) or process memory.
 */
import { createResilience, type Pipeline, type Resilience } from '../resilience/index.js';
import type { RuntimeContext } from '../kernel/context.js';
import { TracedCacheApi } from './traced-cache-api.js';
import { DriverCacheLayer, type CacheLayer, type OwnedPipeline } from './cache-layer.js';
import { CacheMetrics } from './cache-metrics.js';
import { createDriver } from './create-driver.js';
import type { CacheDriver } from './driver.js';
import { cacheFallbackStore } from './cache-as-fallback.js';
import { NodeConnections } from './node-connections.js';
import type { CacheSerializer } from './types.js';

/** Options of {@link createCacheLayer}. */
export interface CacheLayerOptions {
  /**
   * The resilience capability of this Stator instance; the layer takes its `cache` pipeline
   * (breaker, timeout, fallback chain), giving it a `PING` probe. Default: a private one, made
   * at each `start()` and stopped at `stop()`.
   */
  readonly resilience?: Resilience;
  /** A `cache` pipeline to use as is (instead of `resilience`). */
  readonly pipeline?: Pipeline;
  /** How values become text. Default {@link jsonSerializer}. */
  readonly serializer?: CacheSerializer;
  /** A driver of your own instead of the one `cache.driver` names. */
  readonly driver?: CacheDriver;
  /** Random numbers for TTL jitter (tests pass a fixed one). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Builds the cache resource of one Stator instance from `ctx.config.cache`.
 *
 * @example
 * ```ts
 * const layer = createCacheLayer(ctx, { resilience });
 * await layer.start({ signal, attempt: 1, dependencies: new Map() });
 * await layer.api.set('greeting', 'hello', { ttl: 60 });
 * ```
 */
export function createCacheLayer(ctx: RuntimeContext, options: CacheLayerOptions = {}): CacheLayer {
  const nodes = new NodeConnections(ctx);
  const driver = options.driver ?? createDriver(ctx, nodes.observe);
  const metrics = new CacheMetrics(driver.name, ctx.metrics);
  const probe = (signal: AbortSignal): Promise<void> => driver.ping(signal);
  const shared = options.pipeline ?? options.resilience?.pipeline('cache', { probe });
  const owned = (): OwnedPipeline => {
    const resilience = createResilience(ctx);
    return { pipeline: resilience.pipeline('cache', { probe }), stop: () => resilience.stop() };
  };
  const api = new TracedCacheApi(ctx, {
    driver,
    metrics,
    ...(options.serializer ? { serializer: options.serializer } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  return new DriverCacheLayer(ctx, {
    driver,
    api,
    metrics,
    fallbackStore: cacheFallbackStore(api),
    ...(driver.remote ? { pipeline: shared ? { shared } : { owned } } : {}),
    ...(driver.remote ? { nodes } : {}),
  });
}

export type { CacheLayer } from './cache-layer.js';
export type {
  StatorCache,
  CacheSetOptions,
  CacheEntryInput,
  CacheGetOrSetOptions,
  CacheLoader,
  CacheLoaderContext,
  CacheInvalidation,
  CacheInvalidationResult,
  CacheSerializer,
} from './types.js';
export type { CacheDriver, CacheDriverName, DriverCallback, DriverEntry, NodeObserver, NodeSignal } from './driver.js';
export type { CacheNodeStatus } from './node-connections.js';
export { jsonSerializer } from './json-serializer.js';
