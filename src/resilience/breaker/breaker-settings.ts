import type { StatorConfig } from '../../config/schema.js';

/** A breaker's settings in the units the code uses (ms), from `error_handling.circuit_breaker`. */
export interface BreakerSettings {
  /** Failure ratio (0–1) over the window that trips the breaker. */
  readonly threshold: number;
  readonly windowMs: number;
  readonly buckets: number;
  readonly minimumCalls: number;
  /** Failures in a row that trip the breaker regardless of the window (0 = off). */
  readonly consecutiveFailures: number;
  /** Calls at least this long count as slow (0 = rule off). */
  readonly slowCallMs: number;
  readonly slowCallRatio: number;
  readonly resetTimeoutMs: number;
  readonly resetBackoff: number;
  readonly maxResetTimeoutMs: number;
  readonly trialTimeoutMs: number;
  readonly halfOpenCalls: number;
  /** Use the pipeline's probe in halfOpen when it has one. */
  readonly probe: boolean;
  /** Share state through Redis when Redis is configured. */
  readonly shared: boolean;
}

type BreakerConfig = StatorConfig['error_handling']['circuit_breaker'];

/** Converts the configuration section (seconds) to {@link BreakerSettings} (ms). */
export function breakerSettingsFrom(config: BreakerConfig): BreakerSettings {
  return {
    threshold: config.threshold,
    windowMs: config.window * 1000,
    buckets: config.buckets,
    minimumCalls: config.minimum_calls,
    consecutiveFailures: config.consecutive_failures,
    slowCallMs: config.slow_call_threshold * 1000,
    slowCallRatio: config.slow_call_ratio,
    resetTimeoutMs: config.reset_timeout * 1000,
    resetBackoff: config.reset_backoff,
    maxResetTimeoutMs: config.max_reset_timeout * 1000,
    trialTimeoutMs: config.trial_timeout * 1000,
    halfOpenCalls: config.half_open_calls,
    probe: config.probe,
    shared: config.shared,
  };
}
