import { z } from 'zod';
import { count, ratio, seconds } from './common.js';

/** `error_handling:` — the recovery pipeline every operation goes through. */
export const errorHandlingSection = z.strictObject({
  retry: z
    .strictObject({
      max_attempts: count(1).default(3),
      /** Seconds before the first retry. */
      delay: seconds().default(1.0),
      backoff: z.enum(['constant', 'linear', 'exponential']).default('exponential'),
      jitter: z.enum(['none', 'full', 'decorrelated']).default('full'),
      /** Seconds: no single delay is longer. */
      max_delay: seconds().default(30),
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
    })
    .prefault({}),
  fallback: z
    .strictObject({
      enabled: z.boolean().default(true),
      strategies: z.array(z.enum(['cache', 'local', 'default'])).default(['cache', 'local', 'default']),
    })
    .prefault({}),
});
