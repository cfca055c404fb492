import type { StatorConfig } from '../../config/schema.js';

/** A resource's limits in the units the code uses (ms), from `error_handling.rate_limit.<resource>`. */
export interface LimitSettings {
  readonly maxConcurrent?: number;
  readonly minTimeMs: number;
  readonly reservoir?: number;
  readonly reservoirRefreshIntervalMs?: number;
  readonly reservoirRefreshAmount?: number;
  /** Share through Redis when Redis is configured. */
  readonly shared: boolean;
}

/** The limits of `resource`, or undefined when it has none (then the pipeline has no limiter at all). */
export function limitSettingsFor(config: StatorConfig, resource: string): LimitSettings | undefined {
  const entry = config.error_handling.rate_limit[resource];
  if (!entry) return undefined;
  const limited = entry.max_concurrent !== undefined || entry.min_time > 0 || entry.reservoir !== undefined;
  if (!limited) return undefined;
  return {
    ...(entry.max_concurrent !== undefined ? { maxConcurrent: entry.max_concurrent } : {}),
    minTimeMs: entry.min_time * 1000,
    ...(entry.reservoir !== undefined ? { reservoir: entry.reservoir } : {}),
    ...(entry.reservoir_refresh_interval !== undefined
      ? { reservoirRefreshIntervalMs: entry.reservoir_refresh_interval * 1000 }
      : {}),
    ...(entry.reservoir_refresh_amount !== undefined ? { reservoirRefreshAmount: entry.reservoir_refresh_amount } : {}),
    shared: entry.shared,
  };
}
