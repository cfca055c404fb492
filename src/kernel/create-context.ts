import { Registry } from 'prom-client';
import type { InspectionEvent } from 'xstate';
import type { StatorConfig } from '../config/schema.js';
import { EventBus } from './event-bus.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { SecretRegistry } from '../logging/redact.js';
import { systemClock, type Clock } from './clock.js';
import type { RuntimeContext } from './context.js';

/** Options of {@link createRuntimeContext}. */
export interface CreateRuntimeContextOptions {
  readonly config: StatorConfig;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The registry the configuration's secrets were collected into. */
  readonly secrets?: SecretRegistry;
  readonly inspect?: (event: InspectionEvent) => void;
}

/**
 * Builds the one {@link RuntimeContext} of a Stator instance: its own event bus, metric registry
 * and secret registry, so that two instances in one process share nothing.
 */
export function createRuntimeContext(options: CreateRuntimeContextOptions): RuntimeContext {
  const secrets = options.secrets ?? new SecretRegistry();
  const clock = options.clock ?? systemClock;
  return {
    config: options.config,
    clock,
    logger: options.logger ?? createLogger({ secrets }),
    events: new EventBus(clock, secrets),
    metrics: new Registry(),
    secrets,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  };
}
