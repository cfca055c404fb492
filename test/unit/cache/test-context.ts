import { Registry } from 'prom-client';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import { configSchema, type StatorConfigInput } from '../../../src/config/schema.js';
import { EventBus, type StatorEvent } from '../../../src/kernel/event-bus.js';
import { createLogger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { createResilience, type Resilience } from '../../../src/resilience/index.js';
import { systemClock, type Clock } from '../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../src/kernel/context.js';

/** The `cache` section as a test writes it. */
export type CacheConfigInput = NonNullable<StatorConfigInput['cache']>;

/** A runtime context for cache tests, with every event it published. */
export interface TestContext extends RuntimeContext {
  /** Events published on the bus since the context was made. */
  readonly published: StatorEvent[];
}

/** A context with the given `cache` section (and optionally other sections) on `clock`. */
export function cacheTestContext(
  cache: CacheConfigInput,
  options: { clock?: Clock; config?: Omit<StatorConfigInput, 'cache'> } = {},
): TestContext {
  const secrets = new SecretRegistry();
  const clock = options.clock ?? systemClock;
  const events = new EventBus(clock, secrets);
  const published: StatorEvent[] = [];
  events.events$.subscribe((e) => published.push(e));
  return {
    config: configSchema.parse({ ...options.config, cache }),
    clock,
    logger: createLogger({ secrets, silent: true }),
    events,
    metrics: new Registry(),
    secrets,
    published,
  };
}

/** A key prefix no other test file (or run) uses. */
export function uniquePrefix(name: string): string {
  return `stator-test:${name}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
}

/** A started cache layer on its own recovery pipeline, as the runtime wires it. */
export interface ResilientLayer {
  readonly layer: CacheLayer;
  readonly resilience: Resilience;
  /** Stops the layer, then the pipeline. */
  stop(): Promise<void>;
}

/** Starts the cache layer of `ctx` with a resilience of its own. */
export async function startResilientLayer(ctx: RuntimeContext): Promise<ResilientLayer> {
  const signal = new AbortController().signal;
  const resilience = createResilience(ctx);
  const layer = createCacheLayer(ctx, { resilience });
  await layer.start({ signal, attempt: 1, dependencies: new Map() });
  return {
    layer,
    resilience,
    async stop() {
      await layer.stop(signal);
      await resilience.stop();
    },
  };
}
