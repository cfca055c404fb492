import { ReplaySubject, type Observable } from 'rxjs';
import type { ResourceLatency } from './metrics/resource-figures.js';
import type { ResourceErrorInfo } from '../../machines/resource.machine.js';
import type {
  SupervisedResource,
  SupervisedState,
  SupervisorContext,
  SupervisorFailure,
} from '../../machines/supervisor.machine.js';
import type { Clock } from '../kernel/clock.js';
import type { ResourceLayer } from '../kernel/layer.js';
import type { SecretRegistry } from '../logging/redact.js';
import type { AlertState } from './alerts/alert-transition.js';
import type { PoolStats, ResourceErrorStats } from './metrics/metrics-snapshot.js';
import type { ReadinessView } from './readiness.js';
import { aggregateStatus, type AggregationPolicy, type RuntimeStatus, type SupervisorPhase } from './aggregate.js';

/** One resource in a {@link StatusSnapshot}. */
export interface ResourceStatus {
  /** The resource machine's state: `idle`, `initializing`, `ready`, `degraded`, `recovering`, `failed`, `stopping`, `stopped`. */
  readonly state: SupervisedState;
  /** Clock time (ms) at which it entered `state`. */
  readonly since: number;
  readonly optional: boolean;
  readonly dependsOn: readonly string[];
  /** Initialization attempts of its last start. */
  readonly attempts: number;
  /** Times the supervisor restarted it. */
  readonly restarts: number;
  /** The last error it reported (kept after it recovers), secrets removed. */
  readonly lastError?: ResourceErrorInfo;
  /** Why it is degraded, while it is. */
  readonly reason?: string;
  /**
   * While it is `failed` and waits out a crash-loop back-off (past `supervisor.max_restarts`):
   * milliseconds of that back-off before its next restart. Its `lastError` says why it failed.
   */
  readonly backoffMs?: number;
  /** How its last stop ended: `clean`, `error`, `abandoned` (took longer than stop_timeout) or `skipped` (never started). */
  readonly stopOutcome?: 'clean' | 'error' | 'abandoned' | 'skipped';
  /** What the layer reports about itself (`ResourceLayer.details()`): pool, nodes, breaker. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Its connection pool, as of the last metrics snapshot (`monitoring.metrics_interval`). */
  readonly pool?: PoolStats;
  /**
   * Its operations, errors and error rate over the last metrics interval, both counted in one
   * population (the capability's own counters, or the resilience pipeline's), once it has run any.
   */
  readonly errors?: ResourceErrorStats;
  /** Its latency over the last metrics interval (p50/p95/p99 in ms), once it has timed any operation. */
  readonly latency?: ResourceLatency;
  /** Its circuit breaker, once the resource has used it. */
  readonly breaker?: ResourceBreakerStatus;
}

/** A resource's circuit breaker in a {@link ResourceStatus}. */
export interface ResourceBreakerStatus {
  readonly state: 'closed' | 'open' | 'halfOpen' | 'isolated';
  /** Clock time (ms) since which it is in this state. */
  readonly since?: number;
  /** While open: clock time (ms) at which it tries the resource again. */
  readonly nextAttemptAt?: number;
}

/** What `stator.health()` returns and `stator.status$` emits. */
export interface StatusSnapshot {
  /** `up`, `degraded` or `down`, decided by the aggregation policy (default {@link aggregateStatus}). */
  readonly status: RuntimeStatus;
  /** The supervisor's phase. */
  readonly supervisor: SupervisorPhase;
  /** Clock time (ms) of the snapshot. */
  readonly time: number;
  /** Restarts counted in the current restart-intensity window. */
  readonly recentRestarts: number;
  /** Why the supervisor failed, when it did. */
  readonly failure?: SupervisorFailure;
  /** Every resource by name, in start order. */
  readonly resources: Readonly<Record<string, ResourceStatus>>;
  /** Alerts pending or firing. */
  readonly alerts?: readonly AlertState[];
  /** Whether the service may take traffic, and if not, why (see `/ready`). */
  readonly readiness?: ReadinessView;
}

/**
 * A change to the snapshot made by another capability (alerts, readiness reasons, breaker
 * details): it receives the snapshot built so far and returns it with its part added.
 */
export type StatusExtension = (snapshot: StatusSnapshot) => StatusSnapshot;

/** The supervisor state as the status manager reads it. */
export interface SupervisorView {
  readonly phase: SupervisorPhase;
  readonly context: SupervisorContext;
}

/**
 * Turns the supervisor's state into status snapshots: `health()` builds one on demand (with the
 * layers' current details), `status$` emits one whenever a resource's state, error or the phase
 * changes, and replays the latest to new subscribers.
 *
 * Other capabilities add their part with {@link StatusManager.extend} and call
 * {@link StatusManager.refresh} when it changes.
 */
export class StatusManager {
  private readonly subject = new ReplaySubject<StatusSnapshot>(1);
  private readonly since = new Map<string, { state: SupervisedState; since: number }>();
  private readonly extensions: StatusExtension[] = [];
  private view: SupervisorView;
  private lastKey = '';
  private aggregate: AggregationPolicy = aggregateStatus;

  /** Snapshots: the latest on subscription, then each change. Completes when the runtime stops. */
  public readonly status$: Observable<StatusSnapshot> = this.subject.asObservable();

  public constructor(
    private readonly clock: Clock,
    private readonly secrets: SecretRegistry,
    private readonly layers: ReadonlyMap<string, ResourceLayer>,
    initial: SupervisorView,
  ) {
    this.view = initial;
    this.update(initial);
  }

  /** Records the supervisor's new state and emits a snapshot if anything visible changed. */
  public update(view: SupervisorView): void {
    this.view = view;
    const now = this.clock.now();
    for (const name of view.context.order) {
      const r = view.context.resources[name];
      if (!r) continue;
      const seen = this.since.get(name);
      if (!seen || seen.state !== r.state) this.since.set(name, { state: r.state, since: now });
    }
    const snapshot = this.build(false);
    const key = JSON.stringify({ ...snapshot, time: 0 });
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.subject.next(snapshot);
  }

  /** The current snapshot, with each layer's details read now. */
  public snapshot(): StatusSnapshot {
    return this.build(true);
  }

  /** Adds a part to every snapshot from now on; returns a function that removes it. */
  public extend(extension: StatusExtension): () => void {
    this.extensions.push(extension);
    this.refresh();
    return () => {
      const i = this.extensions.indexOf(extension);
      if (i >= 0) this.extensions.splice(i, 1);
    };
  }

  /** Replaces the aggregation policy (how resources add up to `up` / `degraded` / `down`). */
  public setAggregation(policy: AggregationPolicy): void {
    this.aggregate = policy;
    this.refresh();
  }

  /** Emits a new snapshot if an extension's part changed. */
  public refresh(): void {
    this.update(this.view);
  }

  /** Ends `status$` (after the last snapshot, which stays replayed). */
  public complete(): void {
    this.subject.complete();
  }

  private build(withDetails: boolean): StatusSnapshot {
    const { phase, context } = this.view;
    const resources: Record<string, ResourceStatus> = {};
    for (const name of context.order) {
      const r = context.resources[name];
      if (r) resources[name] = this.resource(r, withDetails);
    }
    let snapshot: StatusSnapshot = {
      status: this.aggregated(phase, Object.values(resources)),
      supervisor: phase,
      time: this.clock.now(),
      recentRestarts: context.recentRestarts,
      ...(context.failure ? { failure: context.failure } : {}),
      resources,
    };
    for (const extension of this.extensions) snapshot = extension(snapshot);
    return snapshot;
  }

  private aggregated(phase: SupervisorPhase, resources: readonly ResourceStatus[]): RuntimeStatus {
    try {
      return this.aggregate(phase, resources);
    } catch {
      // A policy that throws must not stop status: fall back to worst-wins.
      return aggregateStatus(phase, resources);
    }
  }

  private resource(r: SupervisedResource, withDetails: boolean): ResourceStatus {
    const details = withDetails ? this.details(r.name) : undefined;
    return {
      state: r.state,
      since: this.since.get(r.name)?.since ?? this.clock.now(),
      optional: r.optional,
      dependsOn: r.dependsOn,
      attempts: r.attempts,
      restarts: r.restarts,
      ...(r.lastError ? { lastError: this.secrets.redact(r.lastError) } : {}),
      ...(r.state === 'degraded' && r.degradedReason ? { reason: this.secrets.scrub(r.degradedReason) } : {}),
      ...(r.stopOutcome ? { stopOutcome: r.stopOutcome } : {}),
      ...(r.backoffPending && r.backoffMs !== undefined ? { backoffMs: r.backoffMs } : {}),
      ...(details ? { details } : {}),
    };
  }

  private details(name: string): Readonly<Record<string, unknown>> | undefined {
    const layer = this.layers.get(name);
    if (!layer?.details) return undefined;
    try {
      return this.secrets.redact(layer.details());
    } catch (error) {
      return { error: this.secrets.scrub(error instanceof Error ? error.message : String(error)) };
    }
  }
}
