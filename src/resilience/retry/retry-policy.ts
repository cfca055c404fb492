import type { StatorConfig } from '../../config/schema.js';
import type { Backoff } from '../../kernel/backoff.js';

/** The retry part of the pipeline, in ms, from `error_handling.retry`. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 = never retry). */
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  /** No retry starts once this much time has passed since the first attempt (0 = no cap). */
  readonly maxTotalMs: number;
  /** Each attempt is aborted after this long (0 = no timeout). */
  readonly attemptTimeoutMs: number;
}

type RetryConfig = StatorConfig['error_handling']['retry'];

/** Converts the configuration section (seconds) to a {@link RetryPolicy} (ms). */
export function retryPolicyFrom(config: RetryConfig, random: () => number = Math.random): RetryPolicy {
  return {
    maxAttempts: config.max_attempts,
    backoff: {
      kind: config.backoff,
      jitter: config.jitter,
      baseMs: config.delay * 1000,
      maxMs: config.max_delay * 1000,
      random,
    },
    maxTotalMs: config.max_total * 1000,
    attemptTimeoutMs: config.attempt_timeout * 1000,
  };
}
