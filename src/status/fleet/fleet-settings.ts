import { hostname } from 'node:os';
import type { StatorConfig } from '../../config/schema.js';
import type { ConnectionOptions } from 'node:tls';
import { redisEndpointOptions, sharedRedisSettings } from '../../resilience/shared/redis-settings.js';

/** The Redis the heartbeats go to (the ioredis options Stator sets; kept to plain fields so the shipped types need no ioredis). */
export interface FleetRedis {
  readonly host?: string;
  readonly port?: number;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
  /** TLS options (certificate files read): the connection is TLS when present. */
  readonly tls?: ConnectionOptions;
}

/** Where and how often an instance publishes its heartbeat, resolved from `fleet:`. */
export interface FleetSettings {
  readonly redis: FleetRedis;
  /** `<prefix>fleet:<service>:`: every instance's key starts with it. */
  readonly keyPrefix: string;
  readonly service: string;
  readonly instance: string;
  readonly intervalMs: number;
  /** The key's time to live: `interval * missed`. */
  readonly ttlMs: number;
}

/**
 * The fleet settings of a configuration, or undefined when the fleet is off (`fleet.enabled:
 * false`, or `auto` without a Redis: no `fleet.redis`, no `error_handling.redis`, and a cache
 * that is not a single Redis).
 */
export function fleetSettings(config: StatorConfig): FleetSettings | undefined {
  const fleet = config.fleet;
  if (fleet.enabled === false) return undefined;
  const shared = fleet.redis
    ? { options: redisEndpointOptions(fleet.redis, 'fleet.redis'), keyPrefix: 'stator:' }
    : sharedRedisSettings(config);
  if (!shared) return undefined;
  const { host, port, db, username, password, tls } = shared.options;
  return {
    redis: {
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(db !== undefined ? { db } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls !== undefined ? { tls } : {}),
    },
    keyPrefix: `${shared.keyPrefix}fleet:${fleet.service}:`,
    service: fleet.service,
    instance: fleet.instance ?? `${hostname()}-${process.pid}`,
    intervalMs: fleet.interval * 1000,
    ttlMs: Math.ceil(fleet.interval * fleet.missed * 1000),
  };
}
