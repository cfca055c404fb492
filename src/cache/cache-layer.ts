import type { Observable } from 'rxjs';
import type { FallbackStore, Pipeline } from '../resilience/index.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth, LayerStartContext, ResourceLayer } from '../kernel/layer.js';
import type { CacheApi } from './cache-api.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheDriver } from './driver.js';
import type { NodeConnections } from './node-connections.js';
import type { StatorCache } from './types.js';

/**
 * The cache as a resource the supervisor runs: {@link ResourceLayer} plus the API
 * (`stator.cache`) and the fallback store the resilience pipeline of other resources may use.
 */
export interface CacheLayer extends ResourceLayer {
  /** `stator.cache`. Usable before `start()` for the memory driver; remote drivers need `start()`. */
  readonly api: StatorCache;
  /** Keeps last good values of other resources' reads (the `cache` fallback strategy). */
  readonly fallbackStore: FallbackStore;
  /** The driver in use: `memory`, `redis` or `memcached`. */
  readonly driver: string;
}

/** What {@link DriverCacheLayer} is assembled from (see `createCacheLayer`). */
export interface CacheLayerParts {
  readonly driver: CacheDriver;
  readonly api: CacheApi;
  readonly metrics: CacheMetrics;
  readonly fallbackStore: FallbackStore;
  readonly nodes?: NodeConnections;
  /**
   * Where the `cache` pipeline comes from, for remote drivers: `shared` (given by the runtime,
   * used as is, never stopped here) or `owned` (created at each start, stopped at stop).
   */
  readonly pipeline?: { readonly shared: Pipeline } | { readonly owned: () => OwnedPipeline };
}

/** A pipeline the layer made for itself, with what stops it. */
export interface OwnedPipeline {
  readonly pipeline: Pipeline;
  stop(): Promise<void>;
}

/**
 * The {@link CacheLayer} over one driver. `start` connects (and resolves once the driver can
 * serve), `check` is a round trip (`PING`, a Memcached get), `stop` closes the connections.
 * Health between checks comes from the node connections: degraded when some nodes are down.
 */
export class DriverCacheLayer implements CacheLayer {
  public readonly name = 'cache';
  public readonly api: StatorCache;
  public readonly fallbackStore: FallbackStore;
  public readonly health$?: Observable<LayerHealth>;
  private readonly parts: CacheLayerParts;
  private owned: OwnedPipeline | undefined;

  public constructor(
    private readonly ctx: RuntimeContext,
    parts: CacheLayerParts,
  ) {
    this.parts = parts;
    this.api = parts.api;
    this.fallbackStore = parts.fallbackStore;
    if (parts.nodes) this.health$ = parts.nodes.health$;
    if (parts.pipeline && 'shared' in parts.pipeline) parts.api.usePipeline(parts.pipeline.shared);
  }

  public get driver(): string {
    return this.parts.driver.name;
  }

  public async start(context: LayerStartContext): Promise<void> {
    const { driver } = this.parts;
    const message = `cache: starting the ${driver.name} driver (attempt ${context.attempt})`;
    if (context.attempt > 1) this.ctx.logger.info(message);
    else this.ctx.logger.debug(message);
    const source = this.parts.pipeline;
    if (source && 'owned' in source && !this.owned) {
      this.owned = source.owned();
      this.parts.api.usePipeline(this.owned.pipeline);
    }
    await driver.connect(context.signal);
  }

  public async check(signal: AbortSignal): Promise<LayerHealth> {
    await this.parts.driver.ping(signal);
    return this.parts.nodes?.current() ?? { status: 'up' };
  }

  public async stop(signal: AbortSignal): Promise<void> {
    try {
      await this.parts.driver.close(signal);
    } finally {
      this.parts.nodes?.stop();
      const owned = this.owned;
      if (owned) {
        this.owned = undefined;
        this.parts.api.usePipeline(undefined);
        await owned.stop();
      }
    }
  }

  public details(): Readonly<Record<string, unknown>> {
    const { driver, nodes, metrics } = this.parts;
    const source = this.parts.pipeline;
    const pipeline = source && 'shared' in source ? source.shared : this.owned?.pipeline;
    return {
      driver: driver.name,
      keyPrefix: this.ctx.config.cache.key_prefix,
      ...driver.describe(),
      ...(nodes ? { nodes: nodes.snapshot() } : {}),
      ...(pipeline ? { breaker: pipeline.breaker.state } : {}),
      metrics: metrics.snapshot(),
    };
  }
}
