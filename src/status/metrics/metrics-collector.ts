import type { Registry } from 'prom-client';
import { ReplaySubject, type Observable } from 'rxjs';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../logging/logger.js';
import type { DetailsSource } from './details-reader.js';
import type { MetricsSnapshot } from './metrics-snapshot.js';
import { readSeries } from './series.js';
import { SnapshotBuilder } from './snapshot-builder.js';

/** What {@link MetricsCollector} needs. */
export interface MetricsCollectorOptions {
  /** The instance's prom-client registry (`ctx.metrics`). */
  readonly registry: Registry;
  readonly clock: Clock;
  /** Milliseconds between snapshots (`monitoring.metrics_interval` × 1000). */
  readonly intervalMs: number;
  readonly logger?: Logger;
  /** The resources whose `details()` carry pool and breaker figures (the layers). */
  readonly sources?: () => Iterable<DetailsSource>;
}

/**
 * Reads the instance's metric registry every interval and publishes a {@link MetricsSnapshot} on
 * {@link MetricsCollector.metrics$}. It owns no metric: the capabilities register theirs on
 * `ctx.metrics` (see `metric-conventions.ts` for the shapes it understands), and prom-client
 * stays the registry and the exposition format.
 *
 * @example
 * ```ts
 * const collector = new MetricsCollector({ registry: ctx.metrics, clock: ctx.clock, intervalMs: 60_000 });
 * collector.metrics$.subscribe((m) => console.log(m.errors.rate));
 * collector.start();
 * ```
 */
export class MetricsCollector {
  private readonly subject = new ReplaySubject<MetricsSnapshot>(1);
  private readonly builder: SnapshotBuilder;
  private timer: unknown;
  private running = false;
  private inFlight: Promise<MetricsSnapshot> | undefined;
  private last: MetricsSnapshot | undefined;

  /** Snapshots, one per interval; a new subscriber gets the latest at once. */
  public readonly metrics$: Observable<MetricsSnapshot> = this.subject.asObservable();

  public constructor(private readonly options: MetricsCollectorOptions) {
    this.builder = new SnapshotBuilder(options.clock.now());
  }

  /** The latest snapshot, if one was taken. */
  public get latest(): MetricsSnapshot | undefined {
    return this.last;
  }

  /** Starts collecting every interval (the first snapshot one interval from now). */
  public start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the interval and completes {@link metrics$}. */
  public stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.subject.complete();
  }

  /** Takes a snapshot now and publishes it. Concurrent calls share one read. */
  public collect(): Promise<MetricsSnapshot> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<MetricsSnapshot> {
    const series = await readSeries(this.options.registry);
    const snapshot = this.builder.build(series, this.options.sources?.() ?? [], this.options.clock.now());
    this.last = snapshot;
    this.subject.next(snapshot);
    return snapshot;
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimeout(
      () => {
        this.timer = undefined;
        if (!this.running) return;
        this.collect()
          .catch((error: unknown) => this.options.logger?.warn('metrics collection failed', { error }))
          .finally(() => {
            if (this.running) this.schedule();
          });
      },
      Math.max(1, this.options.intervalMs),
    );
  }
}
