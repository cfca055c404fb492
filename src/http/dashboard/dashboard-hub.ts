import { Subject, type Observable, type Subscription } from 'rxjs';
import type { StatorEvent } from '../../kernel/event-bus.js';
import type { AlertTransition } from '../../status/alerts/alert-transition.js';
import type { MetricsSnapshot } from '../../status/metrics/metrics-snapshot.js';

/** A running machine actor as the dashboard shows it. */
export interface LiveActor {
  /** Its name in the event log (`breaker.cache`, `supervisor/resource.cache`). */
  readonly source: string;
  /** Its machine id (`circuitBreaker`). */
  readonly machine: string;
  /** Its current state value. */
  readonly state: unknown;
  readonly time: number;
}

/** The figures the dashboard charts, from one metrics snapshot. */
export interface ChartPoint {
  readonly time: number;
  /** Highest pool utilization (0..1), null without pools. */
  readonly poolUse: number | null;
  /** Worst operation's latency quantiles, seconds. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly errorRate: number;
  readonly hitRatio: number | null;
}

/** One message of the dashboard's event stream. */
export type HubMessage =
  | { readonly kind: 'event'; readonly data: StatorEvent }
  | { readonly kind: 'metrics'; readonly data: ChartPoint }
  | { readonly kind: 'alert'; readonly data: AlertTransition };

/** The streams the hub reads; a Stator has them all. */
export interface HubSources {
  readonly events$?: Observable<StatorEvent>;
  readonly metrics$?: Observable<MetricsSnapshot>;
  readonly alerts$?: Observable<AlertTransition>;
  /** Machine actors running before the hub subscribed (`context.events.running()`). */
  readonly running?: () => readonly StatorEvent[];
  /** Their current state values by source (`context.events.states()`). */
  readonly states?: () => ReadonlyMap<string, unknown>;
}

const worst = (values: readonly (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? Math.max(...present) : null;
};

/** The chart figures of a metrics snapshot. */
export function chartPoint(m: MetricsSnapshot): ChartPoint {
  return {
    time: m.time,
    poolUse: worst(m.pools.map((p) => p.utilization)),
    p50: worst(m.latency.map((l) => l.p50)),
    p95: worst(m.latency.map((l) => l.p95)),
    p99: worst(m.latency.map((l) => l.p99)),
    errorRate: m.errors.rate,
    hitRatio: m.cache.hitRatio,
  };
}

const EVENTS_KEPT = 500;
const ALERTS_KEPT = 200;

/**
 * What every open dashboard shares: the current state of each running machine actor, the recent
 * events, the chart points of the last `historyMs`, and the alert history. One subscription to
 * each stream for all dashboards; each dashboard's stream is a subscription to {@link messages$}.
 *
 * While the hub runs, the event bus is observed: machine events (state changes, not calls) are
 * copied and redacted as they happen. The hub starts with the first dashboard request.
 */
export class DashboardHub {
  private readonly actors = new Map<string, LiveActor>();
  private readonly events: StatorEvent[] = [];
  private readonly points: ChartPoint[] = [];
  private readonly alerts: AlertTransition[] = [];
  private readonly subject = new Subject<HubMessage>();
  private readonly subscriptions: Subscription[] = [];

  /** Every event, chart point and alert transition from now on. */
  public readonly messages$: Observable<HubMessage> = this.subject.asObservable();

  public constructor(
    sources: HubSources,
    private readonly historyMs = 10 * 60_000,
  ) {
    const states = sources.states?.();
    for (const init of sources.running?.() ?? []) {
      const machine = init.data?.machine;
      if (typeof machine !== 'string') continue;
      const state = states?.has(init.source) ? states.get(init.source) : init.state;
      this.actors.set(init.source, { source: init.source, machine, state, time: init.time });
    }
    if (sources.events$)
      this.subscriptions.push(sources.events$.subscribe({ next: (e) => this.onEvent(e), error: () => undefined }));
    if (sources.metrics$)
      this.subscriptions.push(sources.metrics$.subscribe({ next: (m) => this.onMetrics(m), error: () => undefined }));
    if (sources.alerts$)
      this.subscriptions.push(sources.alerts$.subscribe({ next: (a) => this.onAlert(a), error: () => undefined }));
  }

  /** What a dashboard needs when it opens. */
  public view(): { actors: LiveActor[]; events: StatorEvent[]; points: ChartPoint[]; alerts: AlertTransition[] } {
    return {
      actors: [...this.actors.values()],
      events: [...this.events],
      points: [...this.points],
      alerts: [...this.alerts],
    };
  }

  /** Stops reading the streams. */
  public close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subject.complete();
  }

  private onEvent(e: StatorEvent): void {
    if (e.state !== undefined) {
      const known = this.actors.get(e.source);
      const machine = e.type === 'xstate.init' ? (e.data?.machine as string | undefined) : known?.machine;
      if (e.type === 'xstate.stop') this.actors.delete(e.source);
      else if (machine) this.actors.set(e.source, { source: e.source, machine, state: e.state, time: e.time });
    }
    this.events.push(e);
    if (this.events.length > EVENTS_KEPT) this.events.splice(0, this.events.length - EVENTS_KEPT);
    this.subject.next({ kind: 'event', data: e });
  }

  private onMetrics(m: MetricsSnapshot): void {
    const point = chartPoint(m);
    this.points.push(point);
    while (this.points.length && (this.points[0] as ChartPoint).time < point.time - this.historyMs) this.points.shift();
    this.subject.next({ kind: 'metrics', data: point });
  }

  private onAlert(a: AlertTransition): void {
    this.alerts.push(a);
    if (this.alerts.length > ALERTS_KEPT) this.alerts.shift();
    this.subject.next({ kind: 'alert', data: a });
  }
}
