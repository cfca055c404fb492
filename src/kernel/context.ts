import type { Registry } from 'prom-client';
import type { InspectionEvent } from 'xstate';
import type { StatorConfig } from '../config/schema.js';
import type { EventBus } from './event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/redact.js';
import type { Clock } from './clock.js';

/**
 * What every capability receives when Stator builds it: the validated configuration and the
 * shared services. One context per Stator instance, so two instances in one process (tests) never
 * share a metric registry or an event sequence.
 */
export interface RuntimeContext {
  /** The validated configuration, defaults applied. */
  readonly config: StatorConfig;
  /** Every timer and timestamp goes through it (XState's `clock` option too). */
  readonly clock: Clock;
  /** Winston logger; secrets are scrubbed on the way out. */
  readonly logger: Logger;
  /** `stator.events$` and the event log. */
  readonly events: EventBus;
  /**
   * The prom-client registry of this instance. Register metrics with `registers: [ctx.metrics]`,
   * named `stator_<capability>_<what>_<unit>`. Hot-path counts stay plain numbers and reach
   * prom-client through a `collect()` callback, not a `.inc()` per call.
   */
  readonly metrics: Registry;
  /** Known secret values; anything printed or stored goes through `secrets.scrub` / `secrets.redact`. */
  readonly secrets: SecretRegistry;
  /**
   * An extra XState inspector every machine actor reports to, e.g. `@statelyai/inspect`'s
   * `inspector.inspect`, to watch a running Stator in the Stately inspector.
   */
  readonly inspect?: (event: InspectionEvent) => void;
}
