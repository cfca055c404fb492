import { z } from 'zod';
import { count, port, ratio, seconds } from './common.js';
import { cacheTls } from './tls.js';

/**
 * A Redis that Stator uses for its own coordination (`error_handling.redis`, `fleet.redis`): where,
 * as whom, and over TLS.
 */
export const redisEndpoint = {
  host: z.string().min(1).default('127.0.0.1'),
  port: port().default(6379),
  /** ACL user. */
  username: z.string().optional(),
  password: z.string().optional(),
  /** A file holding the password (read at start, as every `*_file` key). */
  password_file: z.string().optional(),
  db: count(0).default(0),
  /** TLS to this Redis, as `cache.tls`. */
  tls: cacheTls.optional(),
};

/** Limits of one resource's calls, in process (no timer per call) or shared through Redis by one Lua script per admitted call. */
const rateLimit = z.strictObject({
  /** Calls of this resource in flight at once (across every process when shared). Absent = unlimited. */
  max_concurrent: count(1).optional(),
  /** Seconds to wait between the start of two calls (0 = no spacing). */
  min_time: seconds().default(0),
  /** Calls allowed before the reservoir is empty (absent = no reservoir). */
  reservoir: count(0).optional(),
  /** Seconds between reservoir refills (needs `reservoir` and `reservoir_refresh_amount`). */
  reservoir_refresh_interval: seconds().optional(),
  /** What the reservoir is refilled to every `reservoir_refresh_interval`. */
  reservoir_refresh_amount: count(0).optional(),
  /** Share these limits with every process of the service through Redis, when Redis is configured. */
  shared: z.boolean().default(true),
});

/** `error_handling:` — the recovery pipeline every operation goes through. */
export const errorHandlingSection = z.strictObject({
  retry: z
    .strictObject({
      /** Attempts in all, the first one included (1 = never retry). */
      max_attempts: count(1).default(3),
      /** Seconds before the first retry (the base of every back-off). */
      delay: seconds().default(1.0),
      backoff: z.enum(['constant', 'linear', 'exponential']).default('exponential'),
      jitter: z.enum(['none', 'full', 'decorrelated']).default('full'),
      /** Seconds: no single delay is longer. */
      max_delay: seconds().default(30),
      /** Seconds: no retry starts after this much time since the first attempt (0 = no cap). */
      max_total: seconds().default(0),
      /** Seconds one attempt may take before it is aborted with OperationTimeoutError (0 = none). */
      attempt_timeout: seconds().default(0),
    })
    .prefault({}),
  circuit_breaker: z
    .strictObject({
      /** Failure ratio over the window that trips the breaker. */
      threshold: ratio().default(0.5),
      /** Seconds of the sliding window. */
      window: seconds().default(60),
      /** Seconds the breaker stays open before a half-open trial. */
      reset_timeout: seconds().default(300),
      /** Calls in the window before the ratio is trusted. */
      minimum_calls: count(1).default(10),
      /**
       * Failures in a row that trip the breaker whatever the window holds (0 = rule off): a frozen
       * server trips it within a few timed-out calls, even while the successes from before the
       * freeze still dominate the window.
       */
      consecutive_failures: count(0).default(5),
      /** Buckets the window is divided into (its resolution: a bucket ages out at a time). */
      buckets: count(1).default(10),
      /** Trial calls let through in halfOpen (when there is no probe); all must succeed to close. */
      half_open_calls: count(1).default(1),
      /** Each consecutive trip multiplies the reset timeout by this (1 = fixed). */
      reset_backoff: z.number().finite().min(1, { error: 'expected a multiplier of 1 or more' }).default(1),
      /** Seconds: the growing reset timeout never exceeds this. */
      max_reset_timeout: seconds().default(3600),
      /** Seconds after which a call counts as slow (0 = the slow-call rule is off). */
      slow_call_threshold: seconds().default(0),
      /** Ratio of slow calls over the window that trips the breaker. */
      slow_call_ratio: ratio().default(1),
      /** In halfOpen, probe the resource itself (PING, SELECT 1, stat) instead of risking user calls. */
      probe: z.boolean().default(true),
      /** Seconds a half-open trial or probe may take before the breaker reopens. */
      trial_timeout: seconds().default(30),
      /** Share the breaker's state with every process of the service through Redis, when Redis is configured. */
      shared: z.boolean().default(true),
    })
    .prefault({}),
  fallback: z
    .strictObject({
      enabled: z.boolean().default(true),
      strategies: z.array(z.enum(['cache', 'local', 'default'])).default(['cache', 'local', 'default']),
      /** Last good values kept in process per resource for the `local` strategy (least recently used go first). */
      local_max_items: count(1).default(1000),
    })
    .prefault({}),
  /** Per resource (`cache`, `database`, `filesystem`, ...): concurrency and rate limits. */
  rate_limit: z.record(z.string().min(1), rateLimit).default({}),
  /**
   * Redis that shares breaker state and rate limits between processes. Absent: the cache's Redis
   * when `cache.driver` is `redis`; otherwise nothing is shared.
   */
  redis: z
    .strictObject({
      ...redisEndpoint,
      /** Prefix of every key and channel; one per service (processes sharing it share breakers and limits). */
      key_prefix: z.string().default('stator:'),
    })
    .optional(),
});
