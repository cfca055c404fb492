import type { InspectionEvent } from 'xstate';
import type { AlertOptions } from '../status/alerts/create-alert-manager.js';
import type { AggregationPolicy } from '../status/aggregate.js';
import type { StatorConfig, StatorConfigInput } from '../config/schema.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger, type Logger, type LoggerOptions } from '../logging/logger.js';
import { SecretRegistry } from '../logging/redact.js';
import { createResilience, type Resilience } from '../resilience/resilience.js';
import { builtinLayers } from './builtin-layers.js';
import type { Clock } from '../kernel/clock.js';
import { createRuntimeContext } from '../kernel/create-context.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { ResourceLayer } from '../kernel/layer.js';
import type { LayerFactory } from './layer-factory.js';
import { BUILTIN_RESOURCES, planResources } from './resource-plan.js';
import type { Stator } from './stator.js';
import { RestartableStator } from './restartable-stator.js';
import { StatorRuntime } from './runtime.js';

/** Options of {@link createStator}. */
export interface CreateStatorOptions {
  /**
   * A YAML file path, the configuration as an object, or nothing for the embedded default
   * (memory cache, SQLite under `./var`).
   */
  readonly config?: string | StatorConfigInput;
  /** Every timer and timestamp (XState delays, retries, health checks). Default: the system clock; tests pass a `TestClock`. */
  readonly clock?: Clock;
  /**
   * Where Stator logs: a winston logger of yours, or options for Stator's own (level, format,
   * stream), which scrubs the configuration's secrets from every line. Default: Stator's own on
   * stderr at `info` (or `LOG_LEVEL`).
   */
  readonly logger?: Logger | Omit<LoggerOptions, 'secrets'>;
  /**
   * Resources of your own, or replacements of built-in ones, by name. `false` removes a built-in
   * resource (`{ database: false }`). Settings of your own resources (depends_on, optional,
   * retries) go under `supervisor.resources.<name>` in the configuration.
   */
  readonly layers?: Readonly<Record<string, LayerFactory | false>>;
  /** An extra XState inspector every machine reports to (e.g. the Stately inspector's `inspect`). */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * Alert rules and notifiers added in code, on top of the built-in rules and `monitoring.rules`
   * / `monitoring.webhooks` (see `stator.alerts$`).
   *
   * @example
   * ```ts
   * createStator({ alerts: { notifiers: [callbackNotifier((t) => pager.send(t))] } });
   * ```
   */
  readonly alerts?: AlertOptions;
  /** How resources add up to `up` / `degraded` / `down`. Default: worst state wins. */
  readonly aggregate?: AggregationPolicy;
}

/**
 * Creates a Stator: validates the configuration, makes each resource's layer and plans the start
 * order, without connecting to anything. Call `start()` to bring the resources up.
 *
 * @throws {ConfigInvalidError} when the configuration is invalid.
 * @throws {DependencyCycleError} when `depends_on` form a cycle (`database -> cache -> database`).
 * @throws {UnknownDependencyError} when `depends_on` names a resource that does not run.
 * @example
 * ```ts
 * import { createStator } from 'stator';
 *
 * const stator = createStator();            // embedded default, or { config: 'stator.yaml' }
 * await stator.start();
 * console.log(stator.health().status);      // 'up'
 * await stator.stop();
 * ```
 */
export function createStator(options: CreateStatorOptions = {}): Stator {
  const secrets = new SecretRegistry();
  const config = loadConfig(options.config, { secrets });
  const logger = isLogger(options.logger) ? options.logger : createLogger({ ...options.logger, secrets });
  warnIgnoredResources(config, options, logger);
  // Each run (start() to the end of stop()) is built afresh on the same configuration.
  return new RestartableStator((self) => assembleRun(config, secrets, logger, options, self));
}

/** One run of a Stator: its context, resilience, layers and supervisor wiring. */
function assembleRun(
  config: StatorConfig,
  secrets: SecretRegistry,
  logger: Logger,
  options: CreateStatorOptions,
  securable: Stator,
): StatorRuntime {
  const context = createRuntimeContext({
    config,
    secrets,
    ...(options.clock ? { clock: options.clock } : {}),
    logger,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const resilience = createResilience(context);
  const { layers, apis } = buildLayers(context, resilience, options.layers ?? {});
  const plan = planResources(config, [...layers.keys()]);
  return new StatorRuntime({
    context,
    layers,
    apis,
    resilience,
    supervisor: {
      resources: plan,
      strategy: config.supervisor.strategy,
      maxRestarts: config.supervisor.max_restarts,
      restartPeriod: Math.round(config.supervisor.restart_period * 1000),
      onExhausted: config.supervisor.on_exhausted,
      initialBackoff: Math.round(config.supervisor.initial_backoff * 1000),
      maxBackoff: Math.round(config.supervisor.max_backoff * 1000),
    },
    securable,
    observability: {
      ...(options.alerts ? { alerts: options.alerts } : {}),
      ...(options.aggregate ? { aggregate: options.aggregate } : {}),
    },
  });
}

/** The built-in layers (unless replaced or removed) and the custom ones, with the built-in APIs. */
function buildLayers(
  context: RuntimeContext,
  resilience: Resilience,
  custom: NonNullable<CreateStatorOptions['layers']>,
): { layers: Map<string, ResourceLayer>; apis: Map<string, unknown> } {
  const layers = new Map<string, ResourceLayer>();
  const apis = new Map<string, unknown>();
  for (const builtin of builtinLayers) {
    const override = custom[builtin.name];
    if (override === false) continue;
    if (override) {
      layers.set(builtin.name, override(context));
      continue;
    }
    const made = builtin.create(context, { resilience, capability: (name) => apis.get(name) });
    layers.set(builtin.name, made.layer);
    apis.set(builtin.name, made.api);
  }
  for (const [name, factory] of Object.entries(custom)) {
    if (factory && !layers.has(name)) layers.set(name, factory(context));
  }
  return { layers, apis };
}

/** Warns once (not at every run) about `supervisor.resources` entries that configure nothing. */
function warnIgnoredResources(config: StatorConfig, options: CreateStatorOptions, logger: Logger): void {
  const custom = options.layers ?? {};
  const builtin = BUILTIN_RESOURCES as readonly string[];
  for (const name of Object.keys(config.supervisor.resources)) {
    if (builtin.includes(name)) {
      logger.warn(`supervisor.resources.${name} is ignored: ${name} is configured in its own section (${name}:)`);
    } else if (!custom[name]) {
      logger.warn(`supervisor.resources.${name} is ignored: no layer named ${name} was given to createStator`);
    }
  }
}

const isLogger = (value: CreateStatorOptions['logger']): value is Logger =>
  typeof (value as Logger | undefined)?.log === 'function';
