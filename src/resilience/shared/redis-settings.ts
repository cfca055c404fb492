import type { RedisOptions } from 'ioredis';
import type { StatorConfig } from '../../config/schema.js';
import { steadyTls } from '../../kernel/steady-connector.js';
import { redisTlsOptions } from '../../config/tls-files.js';

/** Where shared breaker state and rate limits live, resolved from the configuration. */
export interface SharedRedisSettings {
  /** ioredis options (host, port, credentials, db, TLS with its files read). */
  readonly options: RedisOptions;
  /** Prefix of every key and channel; processes with the same prefix share breakers and limits. */
  readonly keyPrefix: string;
}

/**
 * `error_handling.redis` when given; otherwise the cache's Redis when `cache.driver` is `redis`
 * (single node; its `key_prefix` is kept in front of `stator:`), with the same connection
 * settings as the cache (`cache.url` or host/port, ACL user and password, `cache.tls`); otherwise
 * undefined (nothing shared, every process keeps its own breakers and limits). Certificate files
 * are read here, once. Over TLS the clients use `SteadyConnector` (see `steady-connector.ts`).
 *
 * @throws {ConfigInvalidError} when a certificate file cannot be read or used.
 */
export function sharedRedisSettings(config: StatorConfig): SharedRedisSettings | undefined {
  const explicit = config.error_handling.redis;
  if (explicit)
    return { options: redisEndpointOptions(explicit, 'error_handling.redis'), keyPrefix: explicit.key_prefix };
  const cache = config.cache;
  if (cache.driver !== 'redis' || cache.cluster || cache.sentinel) return undefined;
  return {
    options: redisEndpointOptions({ ...cache, port: cache.port ?? 6379 }, 'cache'),
    keyPrefix: `${cache.key_prefix}stator:`,
  };
}

/** A Redis endpoint as written (`error_handling.redis`, `fleet.redis`, or the cache's single node). */
type RedisEndpoint = Pick<NonNullable<StatorConfig['fleet']['redis']>, 'port' | 'tls'> &
  Partial<Pick<NonNullable<StatorConfig['fleet']['redis']>, 'host' | 'db' | 'username' | 'password'>>;

/**
 * ioredis options of `endpoint` (written at `where`): host, port, db, ACL user and password, and
 * TLS with its files read (with `SteadyConnector`).
 *
 * @throws {ConfigInvalidError} when a certificate file cannot be read or used.
 */
export function redisEndpointOptions(endpoint: RedisEndpoint, where: string): RedisOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
    ...steadyTls(endpoint.tls ? redisTlsOptions(endpoint.tls, `${where}.tls`) : undefined),
  };
}

/**
 * Client options for Stator's own coordination connections: fail fast while Redis is down
 * (the breaker and limiter then work locally) and reconnect in the background.
 */
export function coordinationOptions(settings: SharedRedisSettings, name: string): RedisOptions {
  return {
    ...settings.options,
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}
