import { z } from 'zod';
import { seconds } from './common.js';
import { redisEndpoint } from './error-handling.js';

/**
 * `fleet:` — each instance publishes a heartbeat with its status to Redis, so that the dashboard
 * and `stator fleet` list every instance of the service. On by default when the cache is Redis
 * (the heartbeat then goes to the same server, on a connection of its own).
 */
export const fleetSection = z.strictObject({
  /** `auto`: on when `cache.driver` is `redis` (or `fleet.redis` is set). */
  enabled: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** The service's name: instances with the same name form one fleet. */
  service: z
    .string()
    .regex(/^[\w.-]+$/, { error: 'expected a name of letters, digits and _ . -' })
    .default('stator'),
  /** This instance's id. Default `<hostname>-<pid>`. */
  instance: z
    .string()
    .regex(/^[\w.:-]+$/, { error: 'expected an id of letters, digits and _ . : -' })
    .optional(),
  /** Seconds between heartbeats. */
  interval: seconds().positive().default(5),
  /** Heartbeats missed before an instance drops out of the fleet (its key's TTL is `interval * missed`). */
  missed: z.number().int().min(2).default(3),
  /**
   * Redis to publish to (keys `stator:fleet:<service>:<instance>`), with its ACL user, password and
   * TLS as `error_handling.redis`. Default `error_handling.redis`, else the cache's Redis (keys then
   * under the cache's `key_prefix`, over the cache's TLS and credentials).
   */
  redis: z.strictObject(redisEndpoint).optional(),
});

/** The `fleet:` section, defaults applied. */
export type FleetConfig = z.output<typeof fleetSection>;
