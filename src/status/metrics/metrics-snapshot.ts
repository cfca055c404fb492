import type { BreakerStateName as BreakerState } from '../../resilience/breaker/breaker-handle.js';

/**
 * What `stator.metrics$` emits every `monitoring.metrics_interval`: the registry read once and
 * turned into the figures an operator asks for. Rates and percentiles cover the interval since
 * the previous snapshot (the first snapshot covers the time since start).
 */
export interface MetricsSnapshot {
  /** Clock time of the collection, in milliseconds. */
  readonly time: number;
  /** Milliseconds covered by the interval figures (rates, percentiles). */
  readonly intervalMs: number;
  /** Latency per resource and operation, from histograms and summaries named `*_seconds`. */
  readonly latency: readonly LatencyStats[];
  /** Pool occupancy per pool. */
  readonly pools: readonly PoolStats[];
  /** Operations and errors over the interval. */
  readonly errors: ErrorStats;
  /** Cache hits and misses over the interval. */
  readonly cache: CacheStats;
  /** Circuit breakers and their states. */
  readonly breakers: readonly BreakerStats[];
  /**
   * Every sample of the registry by series key (`name` or `name{a="x",b="y"}`, labels sorted),
   * histogram buckets excepted. User-defined alert rules select from here.
   */
  readonly values: Readonly<Record<string, number>>;
}

/** Percentiles of one operation's duration, in seconds; `null` when nothing ran in the interval. */
export interface LatencyStats {
  readonly resource: string;
  readonly operation: string;
  /** Observations in the interval. */
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** One pool's occupancy at collection time. */
export interface PoolStats {
  readonly resource: string;
  readonly total: number;
  readonly idle: number;
  readonly busy: number;
  /** Acquires waiting for a connection. */
  readonly pending: number;
  /** `busy / max` (or `busy / total` when the maximum is unknown), 0..1. */
  readonly utilization: number;
}

/** Operations and errors over the interval, overall and per resource. */
export interface ErrorStats {
  readonly operations: number;
  readonly errors: number;
  /** `errors / operations`, 0 when nothing ran. */
  readonly rate: number;
  /** Errors in the interval by `kind` label. */
  readonly byKind: Readonly<Record<string, number>>;
  readonly byResource: readonly ResourceErrorStats[];
}

/** One resource's share of {@link ErrorStats}. */
export interface ResourceErrorStats {
  readonly resource: string;
  readonly operations: number;
  readonly errors: number;
  readonly rate: number;
}

/** Cache hits and misses in the interval. */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  /** `hits / (hits + misses)`; `null` when the cache was not read in the interval. */
  readonly hitRatio: number | null;
}

/** A circuit breaker's state at collection time. */
export interface BreakerStats {
  readonly name: string;
  readonly state: BreakerState;
}

// The states of `machines/circuit-breaker.machine.ts`, as the resilience capability names them.
export type { BreakerState };
