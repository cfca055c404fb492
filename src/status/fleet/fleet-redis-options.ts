import type { RedisOptions } from 'ioredis';
import { steadyTls } from '../../kernel/steady-connector.js';
import type { FleetRedis } from './fleet-settings.js';

/**
 * ioredis options of a fleet connection to `redis`: over TLS with `SteadyConnector` (see
 * `steadyTls`). Kept out of `fleet-settings.ts`, whose declarations ship in the package's types
 * and must not need ioredis' (they do not compile without `redis-errors`' types).
 */
export const fleetRedisOptions = (redis: FleetRedis): RedisOptions => ({ ...redis, ...steadyTls(redis.tls) });
