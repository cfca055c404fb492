import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import type { StatorEvent } from '../kernel/event-bus.js';
import type { BreakerHandle } from '../resilience/breaker/breaker-handle.js';
import type { AlertTransition } from '../status/alerts/alert-transition.js';
import type { MetricsSnapshot } from '../status/metrics/metrics-snapshot.js';
import type { ReadinessView } from '../status/readiness.js';

export type { ReadinessBlocker, ReadinessView } from '../status/readiness.js';

/** Overall health, worst state wins. */
export type HealthStatus = 'up' | 'degraded' | 'down';

/** What `/health` serves: an overall status; every other field of the object is served as is. */
export interface HealthView {
  readonly status: HealthStatus;
}

/**
 * The part of a Stator the HTTP endpoints read. A `Stator` from `createStator()` has it all; a
 * test or an embedder can hand in anything of this shape.
 */
export interface ObservedStator {
  /** The current health (`/health`). */
  health(): HealthView;
  /** Status snapshots, the latest replayed to each new subscriber (`/status`, its event stream). */
  readonly status$: Observable<unknown>;
  /** Readiness (`/ready`). Without it, ready means health is not `down`. */
  readiness?(): ReadinessView;
  /** The instance's prom-client registry (`/metrics`); else `context.metrics` is used. */
  readonly metricsRegistry?: Registry;
  /** A Stator's shared services: `metrics` serves `/metrics`, `events.running()` seeds the dashboard. */
  readonly context?: {
    readonly metrics: Registry;
    readonly events?: { running(): StatorEvent[]; states?(): ReadonlyMap<string, unknown> };
  };
  /** Machine events (the dashboard's machines and event list). */
  readonly events$?: Observable<StatorEvent>;
  /** Metric snapshots (the dashboard's charts). */
  readonly metrics$?: Observable<MetricsSnapshot>;
  /** Alert transitions (the dashboard's alert history). */
  readonly alerts$?: Observable<AlertTransition>;
  /** A resource's circuit breaker (the dashboard's isolate and reset). */
  breaker?(name: string): BreakerHandle | undefined;
}
