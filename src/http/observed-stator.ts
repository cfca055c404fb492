import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';

/** Overall health, worst state wins. */
export type HealthStatus = 'up' | 'degraded' | 'down';

/** What `/health` serves: an overall status; every other field of the object is served as is. */
export interface HealthView {
  readonly status: HealthStatus;
}

/** One thing that keeps a Stator from being ready. */
export interface ReadinessBlocker {
  /** The resource (or `supervisor`, `shutdown`). */
  readonly resource: string;
  /** What it is doing (`initializing`, `recovering`, `failed`, `draining`, ...). */
  readonly state: string;
  /** Its last error or reason, secrets removed. */
  readonly detail?: string;
  /** Required resources it waits for, when it waits. */
  readonly waitingFor?: readonly string[];
}

/**
 * What `/ready` serves. Not ready while starting, while shutting down, or while a required
 * resource is down; `reason` says which and what it is doing.
 */
export interface ReadinessView {
  readonly ready: boolean;
  /** Why not ready, in words (`cache is recovering: connect ECONNREFUSED 127.0.0.1:6401`). */
  readonly reason?: string;
  readonly blockers?: readonly ReadinessBlocker[];
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
