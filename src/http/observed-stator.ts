import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';
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
  /** A Stator's shared services; their `metrics` registry serves `/metrics`. */
  readonly context?: { readonly metrics: Registry };
}
