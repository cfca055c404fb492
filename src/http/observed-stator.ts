import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';

/** Overall health, worst state wins. */
export type HealthStatus = 'up' | 'degraded' | 'down';

/** What `/health` serves: an overall status plus whatever detail the Stator reports. */
export interface HealthView {
  readonly status: HealthStatus;
  readonly [detail: string]: unknown;
}

/**
 * What `/ready` serves. Not ready while starting, while shutting down, or while a required
 * resource is down; `reason` says which and what it is doing.
 */
export interface ReadinessView {
  readonly ready: boolean;
  /** Why not ready, in words (`database is recovering: connect ECONNREFUSED`). */
  readonly reason?: string;
  readonly [detail: string]: unknown;
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
  /** The instance's prom-client registry (`/metrics`). Without it, `/metrics` answers 404. */
  readonly metricsRegistry?: Registry;
}
