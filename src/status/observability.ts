import type { Observable, Subscription } from 'rxjs';
import { resourceFigures } from './metrics/resource-figures.js';
import type { BreakerHandle, BreakerState } from '../resilience/breaker/breaker-handle.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { ResourceLayer } from '../kernel/layer.js';
import type { AlertManager } from './alerts/alert-manager.js';
import type { AlertControls } from './alerts/alert-controls.js';
import type { AlertTransition } from './alerts/alert-transition.js';
import { createAlertManager, type AlertOptions } from './alerts/create-alert-manager.js';
import type { AggregationPolicy } from './aggregate.js';
import { MetricsCollector } from './metrics/metrics-collector.js';
import type { MetricsSnapshot } from './metrics/metrics-snapshot.js';
import { readinessOf, type ReadinessView } from './readiness.js';
import { FleetHeartbeat } from './fleet/fleet-heartbeat.js';
import { fleetSettings } from './fleet/fleet-settings.js';
import type { ResourceStatus, StatusManager, StatusSnapshot } from './status-manager.js';

/** What {@link Observability} reads from the runtime. */
export interface ObservabilityHost {
  readonly context: RuntimeContext;
  readonly statusManager: StatusManager;
  readonly layers: ReadonlyMap<string, ResourceLayer>;
  /** The breaker guarding a resource, once that resource has used it. */
  breaker(name: string): BreakerHandle | undefined;
}

/** Observability options of `createStator`. */
export interface ObservabilityOptions {
  /** Alert rules and notifiers added in code. */
  readonly alerts?: AlertOptions;
  /** How resources add up to the overall status. Default: worst state wins. */
  readonly aggregate?: AggregationPolicy;
}

/**
 * The observability of one Stator: the metrics collector (`metrics$`), the alert manager
 * (`alerts$`), readiness with its reasons, and the status snapshot's extra parts (open alerts,
 * readiness, each resource's pool and breaker). Idle until {@link start}; {@link stop} ends the
 * streams.
 */
export class Observability {
  private readonly collector: MetricsCollector;
  private readonly alerts: AlertManager;
  private readonly breakers = new Map<string, BreakerState>();
  private readonly watched = new Map<string, Subscription>();
  private readonly subscriptions: Subscription[] = [];
  private heartbeat: FleetHeartbeat | undefined;
  private draining = false;
  private refreshQueued = false;
  private started = false;
  private stopped = false;

  /** Metric snapshots every `monitoring.metrics_interval`, the latest replayed. */
  public readonly metrics$: Observable<MetricsSnapshot>;
  /** Alert transitions, in order. */
  public readonly alerts$: Observable<AlertTransition>;

  public constructor(
    private readonly host: ObservabilityHost,
    options: ObservabilityOptions = {},
  ) {
    const ctx = host.context;
    this.collector = new MetricsCollector({
      registry: ctx.metrics,
      clock: ctx.clock,
      intervalMs: ctx.config.monitoring.metrics_interval * 1000,
      logger: ctx.logger,
      sources: () => host.layers.values(),
    });
    this.alerts = createAlertManager(ctx, options.alerts);
    this.alerts.watch(this.collector.metrics$);
    this.metrics$ = this.collector.metrics$;
    this.alerts$ = this.alerts.alerts$;
    if (options.aggregate) host.statusManager.setAggregation(options.aggregate);
    host.statusManager.extend((snapshot) => this.extendSnapshot(snapshot));
  }

  /** `stator.alerts`: acknowledge, clear, silence. */
  public get alertControls(): AlertControls {
    return this.alerts;
  }

  /** True once {@link beginShutdown} was called: readiness fails from then on. */
  public get shuttingDown(): boolean {
    return this.draining;
  }

  /** Starts the metrics interval (called by `stator.start()`). */
  public start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.collector.start();
    this.subscriptions.push(
      this.collector.metrics$.subscribe(() => {
        this.watchBreakers();
        this.queueRefresh();
      }),
      this.alerts.changes$.subscribe(() => this.queueRefresh()),
    );
    this.watchBreakers();
    // With Redis configured, this instance joins the fleet (`fleet:`).
    const fleet = fleetSettings(this.host.context.config);
    if (fleet) {
      this.heartbeat = new FleetHeartbeat(fleet, this.host.context.logger, this.host.context.clock);
      this.heartbeat.start(this.host.statusManager.status$);
    }
  }

  /** Readiness now, with the reason when not ready. */
  public readiness(): ReadinessView {
    return readinessOf(this.host.statusManager.snapshot(), this.draining);
  }

  /** Takes a metrics snapshot now (also published on `metrics$`). */
  public collect(): Promise<MetricsSnapshot> {
    return this.collector.collect();
  }

  /** Fails readiness from now on (first step of a graceful shutdown) and publishes the change. */
  public beginShutdown(): void {
    if (this.draining) return;
    this.draining = true;
    this.host.statusManager.refresh();
  }

  /** Stops the interval, the alert machines and the streams. `graceMs` lets webhook deliveries finish. */
  public async stop(graceMs = 0): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.subscriptions) s.unsubscribe();
    for (const s of this.watched.values()) s.unsubscribe();
    this.collector.stop();
    await Promise.all([this.alerts.stop(graceMs), this.heartbeat?.stop()]);
  }

  private extendSnapshot(snapshot: StatusSnapshot): StatusSnapshot {
    const pools = new Map((this.collector.latest?.pools ?? []).map((p) => [p.resource, p]));
    const resources: Record<string, ResourceStatus> = {};
    for (const [name, r] of Object.entries(snapshot.resources)) {
      const pool = pools.get(name);
      const breaker = this.breakers.get(name);
      resources[name] = {
        ...r,
        ...(pool ? { pool } : {}),
        ...resourceFigures(this.collector.latest, name),
        ...(breaker
          ? {
              breaker: {
                state: breaker.state,
                since: breaker.since,
                ...(breaker.nextAttemptAt !== undefined ? { nextAttemptAt: breaker.nextAttemptAt } : {}),
              },
            }
          : {}),
      };
    }
    const extended: StatusSnapshot = { ...snapshot, resources, alerts: this.alerts.open() };
    return { ...extended, readiness: readinessOf(extended, this.draining) };
  }

  /** Follows the breaker of every resource that has one by now. */
  private watchBreakers(): void {
    for (const name of this.host.layers.keys()) {
      if (this.watched.has(name)) continue;
      const handle = this.host.breaker(name);
      if (!handle) continue;
      this.watched.set(
        name,
        handle.state$.subscribe((state) => {
          const before = this.breakers.get(name);
          this.breakers.set(name, state);
          if (before?.state !== state.state) this.queueRefresh();
        }),
      );
    }
  }

  /** Refreshes status once, after the current call stack (never from inside a status emission). */
  private queueRefresh(): void {
    if (this.refreshQueued || this.stopped) return;
    this.refreshQueued = true;
    queueMicrotask(() => {
      this.refreshQueued = false;
      if (!this.stopped) this.host.statusManager.refresh();
    });
  }
}
