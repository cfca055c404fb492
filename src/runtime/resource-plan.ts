import type { SupervisedResourceInput } from '../../machines/supervisor.machine.js';
import type { StatorConfig } from '../config/schema.js';
import { topologicalOrder } from './dependency-graph.js';

/** The longest delay a Node timer can take (about 24.8 days); also what "no limit" (0) becomes. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Seconds of configuration to a timer delay in milliseconds; 0 means no limit. */
export const toDelay = (seconds: number): number =>
  seconds <= 0 ? MAX_DELAY_MS : Math.min(Math.round(seconds * 1000), MAX_DELAY_MS);

/** Resources whose settings live in their own configuration section. */
export const BUILTIN_RESOURCES = ['cache', 'filesystem', 'database'] as const;

interface ResourceSettings {
  readonly optional: boolean;
  readonly depends_on?: readonly string[] | undefined;
  readonly retry_attempts?: number | undefined;
  readonly retry_delay?: number | undefined;
  readonly timeout?: number | undefined;
}

function settingsOf(config: StatorConfig, name: string): ResourceSettings {
  switch (name) {
    case 'cache':
      return config.cache;
    case 'database':
      return config.database;
    case 'filesystem':
      return config.filesystem;
    default:
      return config.supervisor.resources[name] ?? { optional: false };
  }
}

/** `depends_on` as written, or the default: the database depends on the cache and the filesystem. */
function dependenciesOf(name: string, settings: ResourceSettings, present: ReadonlySet<string>): readonly string[] {
  if (settings.depends_on) return settings.depends_on;
  if (name === 'database') return ['cache', 'filesystem'].filter((d) => present.has(d));
  return [];
}

/**
 * Everything the supervisor needs to know about the resources `names` (the layers this Stator
 * runs), in start order: dependencies, optional, retry and timing per resource.
 *
 * @throws {DependencyCycleError} when `depends_on` form a cycle.
 * @throws {UnknownDependencyError} when `depends_on` names a resource that is not running.
 */
export function planResources(config: StatorConfig, names: readonly string[]): SupervisedResourceInput[] {
  const present = new Set(names);
  const defaults = config.supervisor.resource_defaults;
  const planned = new Map<string, SupervisedResourceInput>();
  for (const name of names) {
    const settings = settingsOf(config, name);
    planned.set(name, {
      name,
      dependsOn: dependenciesOf(name, settings, present),
      optional: settings.optional,
      retryAttempts: settings.retry_attempts ?? defaults.retry_attempts,
      retryDelay: Math.min(Math.round((settings.retry_delay ?? defaults.retry_delay) * 1000), MAX_DELAY_MS),
      timeout: toDelay(settings.timeout ?? defaults.timeout),
      healthInterval: toDelay(config.monitoring.health_interval),
      stopTimeout: toDelay(config.supervisor.stop_timeout),
    });
  }
  const order = topologicalOrder(new Map([...planned].map(([name, r]) => [name, r.dependsOn])));
  return order.map((name) => planned.get(name) as SupervisedResourceInput);
}
