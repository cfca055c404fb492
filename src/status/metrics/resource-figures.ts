import type { LatencyStats, MetricsSnapshot, ResourceErrorStats } from './metrics-snapshot.js';

/** A resource's latency over the last metrics interval, all its operations together. */
export interface ResourceLatency {
  /** Operations timed in the interval. */
  readonly count: number;
  /** Milliseconds: the highest of its operations' percentiles (the slowest operation decides); null when none was timed. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** A resource's error rate and latency as of the last metrics snapshot. */
export interface ResourceFigures {
  readonly errors?: ResourceErrorStats;
  readonly latency?: ResourceLatency;
}

const highest = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
};

/** The latency of `resource`'s operations in `stats`, or undefined when none is timed. */
export function resourceLatency(stats: readonly LatencyStats[], resource: string): ResourceLatency | undefined {
  const own = stats.filter((s) => s.resource === resource);
  if (!own.length) return undefined;
  return {
    count: own.reduce((n, s) => n + s.count, 0),
    p50: highest(own.map((s) => s.p50)),
    p95: highest(own.map((s) => s.p95)),
    p99: highest(own.map((s) => s.p99)),
  };
}

/** The error rate (one population, see `SnapshotBuilder`) and latency of `resource` in `snapshot`. */
export function resourceFigures(snapshot: MetricsSnapshot | undefined, resource: string): ResourceFigures {
  if (!snapshot) return {};
  const errors = snapshot.errors.byResource.find((r) => r.resource === resource);
  const latency = resourceLatency(snapshot.latency, resource);
  return { ...(errors ? { errors } : {}), ...(latency ? { latency } : {}) };
}
