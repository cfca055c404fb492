import { z } from 'zod';
import { count, seconds } from './common.js';

/**
 * Start settings of a resource that has no section of its own: the filesystem (for the keys
 * its section lacks) and resources an embedding service adds with `createStator({ layers })`.
 */
const resourceDefaults = z.strictObject({
  /** Initialization attempts after the first; also the re-checks made while recovering. */
  retry_attempts: count(0).default(3),
  /** Seconds between two attempts. */
  retry_delay: seconds().default(1),
  /** Seconds an initialization attempt or a health check may take (0 = no limit). */
  timeout: seconds().default(10),
});

/** One resource added in code (`createStator({ layers: { search: ... } })`), configured here. */
const customResource = z.strictObject({
  /** An optional resource may fail; the runtime is then `degraded` instead of failing to start. */
  optional: z.boolean().default(false),
  /** Names of resources that must be ready before this one starts. */
  depends_on: z.array(z.string().min(1)).optional(),
  retry_attempts: count(0).optional(),
  retry_delay: seconds().optional(),
  timeout: seconds().optional(),
});

/** `supervisor:` — how resources are started, restarted (OTP-style) and stopped. */
export const supervisorSection = z.strictObject({
  /** one_for_one restarts the failed resource; rest_for_one also those that depend on it. */
  strategy: z.enum(['one_for_one', 'rest_for_one']).default('one_for_one'),
  /** Restarts allowed within restart_period before the supervisor gives up (failed). */
  max_restarts: count(0).default(3),
  /** Seconds of the restart intensity window. */
  restart_period: seconds().default(60),
  /**
   * What happens past the restart intensity. `backoff`: the resource keeps being restarted with a
   * crash-loop back-off (doubling from initial_backoff up to max_backoff) for as long as the
   * process runs, while status says it is down and why. `halt`: the supervisor escalates to
   * failed and stops every resource (`stator start` exits 1), for a process manager that restarts it.
   */
  on_exhausted: z.enum(['backoff', 'halt']).default('backoff'),
  /** Seconds of the first crash-loop back-off (doubled at each further restart). */
  initial_backoff: seconds().default(1),
  /** Seconds: no crash-loop back-off is longer. */
  max_backoff: seconds().default(60),
  /** Seconds each resource gets to stop before it is abandoned (0 = no limit). */
  stop_timeout: seconds().default(10),
  /** Used for any resource whose own section has no retry_attempts / retry_delay / timeout. */
  resource_defaults: resourceDefaults.prefault({}),
  /** Settings of resources added in code, by name (the built-in ones use their own section). */
  resources: z
    .record(
      z.string().regex(/^[A-Za-z][\w-]*$/, { error: 'expected a resource name (letters, digits, _ or -)' }),
      customResource,
    )
    .default({}),
});
