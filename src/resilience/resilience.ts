import { Redis } from 'ioredis';
import type { RuntimeContext } from '../kernel/context.js';
import type { BreakerHandle } from './breaker/breaker-handle.js';
import { breakerSettingsFrom } from './breaker/breaker-settings.js';
import { CircuitBreaker, type BreakerTransition } from './breaker/circuit-breaker.js';
import { UnknownErrorLog } from './detector/unknown-error-log.js';
import { FallbackChain } from './fallback/fallback-chain.js';
import type { FallbackStore } from './fallback/fallback-store.js';
import { limitSettingsFor } from './limiter/limit-settings.js';
import { ResourceLimiter, type SharedLimiterConnection } from './limiter/resource-limiter.js';
import { registerResilienceMetrics } from './metrics.js';
import type { Pipeline, PipelineOptions } from './pipeline/pipeline.js';
import { ResourcePipeline } from './pipeline/resource-pipeline.js';
import { retryPolicyFrom } from './retry/retry-policy.js';
import { coordinationOptions, sharedRedisSettings, type SharedRedisSettings } from './shared/redis-settings.js';
import { SharedBreakerState } from './shared/shared-breaker-state.js';

/** Options of {@link createResilience} beyond the context. */
export interface ResilienceOptions {
  /** Uniform random numbers in [0, 1) for jitter (tests pass a seeded one). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * The resilience capability of one Stator instance: one {@link Pipeline} (and one breaker) per
 * resource, created on first use.
 */
export interface Resilience {
  /** One pipeline per resource (cache, database, filesystem); same name → same pipeline and breaker. */
  pipeline(resource: string, options?: PipelineOptions): Pipeline;
  /** The breaker of a resource, for `stator.breaker(name)`. */
  breaker(name: string): BreakerHandle | undefined;
  /** Where the `cache` fallback strategy reads/writes last good values (wired by the runtime to the cache layer; absent → strategy skipped). */
  setFallbackStore(store: FallbackStore | undefined): void;
  /**
   * Resolves once the breaker state and rate limits shared through Redis are connected (and the
   * stored breaker states read), true; false when nothing is shared or Redis did not answer
   * within `timeoutMs` (everything then works per process, and catches up when Redis is back).
   * Never rejects. The runtime may await it before serving, so that a process starting while a
   * breaker is open elsewhere starts open.
   */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Stops breakers, limiters and Redis connections. Pipelines must not be used afterwards. */
  stop(): Promise<void>;
}

/**
 * Creates the resilience capability from `ctx.config.error_handling`: retry policy, breaker
 * settings, fallback chain, per-resource rate limits, and — when Redis is configured
 * (`error_handling.redis`, or a `redis` cache) — breaker state and limits shared with every
 * process of the service. Registers its metrics on `ctx.metrics`.
 *
 * @example
 * ```ts
 * const resilience = createResilience(ctx);
 * const db = resilience.pipeline('database', { probe: (signal) => knex.raw('select 1') });
 * const rows = await db.run('users.list', () => knex('users'));
 * ```
 */
export function createResilience(ctx: RuntimeContext, options: ResilienceOptions = {}): Resilience {
  const config = ctx.config.error_handling;
  const breakerSettings = breakerSettingsFrom(config.circuit_breaker);
  const policy = retryPolicyFrom(config.retry, options.random);
  const redis = sharedRedisSettings(ctx.config);
  if (redis?.options.password) ctx.secrets.add(redis.options.password);
  const unknownErrors = new UnknownErrorLog(ctx.logger);
  const pipelines = new Map<string, ResourcePipeline>();
  let fallbackStore: FallbackStore | undefined;
  let sharedBreakers: SharedBreakerState | undefined;
  let limiterConnection: SharedLimiterConnection | undefined;
  let stopped = false;

  const sharedBreakerState = (settings: SharedRedisSettings): SharedBreakerState =>
    (sharedBreakers ??= new SharedBreakerState(settings, ctx.logger));

  const sharedLimiterConnection = (settings: SharedRedisSettings): SharedLimiterConnection =>
    (limiterConnection ??= openLimiterConnection(settings));

  const create = (resource: string, pipelineOptions: PipelineOptions | undefined): ResourcePipeline => {
    const shared = redis && breakerSettings.shared ? sharedBreakerState(redis) : undefined;
    const onTransition = transitionPublisher(ctx, resource, shared);
    const breaker = new CircuitBreaker(ctx, resource, breakerSettings, onTransition);
    breaker.setProbe(pipelineOptions?.probe);
    shared?.watch(resource, (remote) => breaker.applyRemote(remote.state, remote.delayMs, remote.trips));
    const limits = limitSettingsFor(ctx.config, resource);
    const connection = redis && limits?.shared ? sharedLimiterConnection(redis) : undefined;
    const limiter = limits ? new ResourceLimiter(resource, limits, connection, ctx.logger, ctx.clock) : undefined;
    const { enabled, strategies, local_max_items } = config.fallback;
    const fallback = new FallbackChain(resource, enabled, strategies, local_max_items, () => fallbackStore);
    return new ResourcePipeline(ctx, resource, { breaker, policy, fallback, limiter, unknownErrors });
  };

  registerResilienceMetrics(
    ctx.metrics,
    () => pipelines.values(),
    () => unknownErrors.count,
  );

  return {
    pipeline(resource, pipelineOptions) {
      if (stopped) throw new Error(`resilience stopped: cannot create a pipeline for ${resource} after stop()`);
      let pipeline = pipelines.get(resource);
      if (!pipeline) {
        pipeline = create(resource, pipelineOptions);
        pipelines.set(resource, pipeline);
      } else if (pipelineOptions?.probe) {
        pipeline.breaker.setProbe(pipelineOptions.probe);
      }
      return pipeline;
    },
    breaker: (name) => pipelines.get(name)?.breaker,
    setFallbackStore(store) {
      fallbackStore = store;
    },
    ready: (timeoutMs = 3000) => readyAll(pipelines.values(), sharedBreakers, timeoutMs),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll(pipelines.values(), sharedBreakers, limiterConnection);
    },
  };
}

/** Announces each breaker transition on the bus and, when shared, to the other processes. */
function transitionPublisher(
  ctx: RuntimeContext,
  resource: string,
  shared: SharedBreakerState | undefined,
): (t: BreakerTransition) => void {
  return (t) => {
    if (ctx.events.observed) {
      ctx.events.emit(`resilience.${resource}`, 'breaker.transition', {
        from: t.from,
        to: t.to,
        reason: t.reason,
        trips: t.trips,
        ...(t.delayMs !== undefined ? { nextAttemptAt: ctx.clock.now() + t.delayMs } : {}),
      });
    }
    if (shared && t.reason !== 'remote' && t.to !== 'halfOpen') shared.publish(resource, t.to, t.delayMs ?? 0, t.trips);
  };
}

/** See {@link Resilience.ready}. */
async function readyAll(
  pipelines: Iterable<ResourcePipeline>,
  sharedBreakers: SharedBreakerState | undefined,
  timeoutMs: number,
): Promise<boolean> {
  const waits: Promise<boolean>[] = [];
  if (sharedBreakers) waits.push(sharedBreakers.ready(timeoutMs));
  for (const p of pipelines) if (p.limiter?.shared) waits.push(p.limiter.ready(timeoutMs));
  if (!waits.length) return false;
  return (await Promise.all(waits)).every(Boolean);
}

/** Stops limiters, breakers, the shared breaker state and the limiters' Redis connection. */
async function stopAll(
  pipelines: Iterable<ResourcePipeline>,
  sharedBreakers: SharedBreakerState | undefined,
  limiterConnection: SharedLimiterConnection | undefined,
): Promise<void> {
  const all = [...pipelines];
  await Promise.allSettled(all.map((p) => p.limiter?.stop()));
  for (const p of all) p.breaker.stop();
  await sharedBreakers?.stop();
  if (limiterConnection) await limiterConnection.client.quit().catch(() => limiterConnection.client.disconnect());
}

/** The Redis connection the rate limiters of every resource share (their errors are reported by the limiters). */
function openLimiterConnection(settings: SharedRedisSettings): SharedLimiterConnection {
  const client = new Redis(coordinationOptions(settings, 'stator-limiter'));
  client.on('error', () => undefined); // reported by the limiter, which falls back to local limits
  return { client, keyPrefix: settings.keyPrefix };
}
