import { defer, type Observable } from 'rxjs';
import type { StatorCache } from '../cache/types.js';
import type { StatorConfig } from '../config/schema.js';
import type { StatorDb } from '../database/database-api.js';
import type { StatorFs } from '../filesystem/filesystem-api.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { StatorEvent } from '../kernel/event-bus.js';
import type { BreakerHandle } from '../resilience/breaker/breaker-handle.js';
import type { Authenticator } from '../security/authenticator.js';
import type { GuardOptions } from '../security/access-check.js';
import type { GuardedAccess } from '../security/guard-access.js';
import type { Subject } from '../security/security.js';
import type { AlertControls } from '../status/alerts/alert-controls.js';
import type { AlertTransition } from '../status/alerts/alert-transition.js';
import type { MetricsSnapshot } from '../status/metrics/metrics-snapshot.js';
import type { ReadinessView } from '../status/readiness.js';
import type { ShutdownReport } from '../status/shutdown/graceful-shutdown.js';
import type { StatusSnapshot } from '../status/status-manager.js';
import type { Stator, StopReport } from './stator.js';

/**
 * A {@link Stator} that can be started again after `stop()`: each run (from `start()` to the end of
 * `stop()`) is one runtime made by `build` — its own layers, pools, breakers, event bus and
 * metrics — on the same configuration. `start()` after `stop()` (once the stop has finished)
 * builds the next run and starts it; in between, every capability refuses calls with
 * `CAPABILITY_UNAVAILABLE`.
 *
 * The streams follow the run: `status$`, `events$`, `metrics$` and `alerts$` complete at `stop()`
 * as before; subscribing again after the next `start()` follows the new run. `stator.cache`,
 * `stator.fs` and `stator.db` (and `stator.db.knex`) give the objects of the current run: an
 * object kept from an earlier run keeps refusing calls.
 */
export class RestartableStator implements Stator {
  public readonly status$: Observable<StatusSnapshot> = defer(() => this.current.status$);
  public readonly events$: Observable<StatorEvent> = defer(() => this.current.events$);
  public readonly metrics$: Observable<MetricsSnapshot> = defer(() => this.current.metrics$);
  public readonly alerts$: Observable<AlertTransition> = defer(() => this.current.alerts$);
  private current: Stator;
  /** The stop of the current run, once asked for: the next start waits for it, then builds a new run. */
  private stopping: Promise<StopReport> | undefined;
  private restarting: Promise<void> | undefined;

  /** @param build makes one run; it receives this Stator (what the service holds, e.g. to secure it). */
  public constructor(private readonly build: (self: Stator) => Stator) {
    this.current = build(this);
  }

  public get config(): StatorConfig {
    return this.current.config;
  }

  public get context(): RuntimeContext {
    return this.current.context;
  }

  public get alerts(): AlertControls {
    return this.current.alerts;
  }

  public start(): Promise<void> {
    if (this.restarting) return this.restarting;
    const stopping = this.stopping;
    if (!stopping) return this.current.start();
    const restarting = stopping.then(() => {
      this.current = this.build(this);
      this.stopping = undefined;
      this.restarting = undefined;
      return this.current.start();
    });
    this.restarting = restarting;
    return restarting;
  }

  public stop(): Promise<StopReport> {
    // A stop asked for while a restart is pending stops the run that restart starts.
    if (this.restarting)
      return this.restarting.then(
        () => this.stop(),
        () => this.stop(),
      );
    this.stopping ??= this.current.stop();
    return this.stopping;
  }

  public health(): StatusSnapshot {
    return this.current.health();
  }

  public readiness(): ReadinessView {
    return this.current.readiness();
  }

  public shutdown(): Promise<ShutdownReport<StopReport>> {
    const run = this.current;
    const report = run.shutdown();
    // Graceful shutdown ends in the run's stop(): remember it so that a later start() builds a new run.
    this.stopping ??= report.then(
      (r) => r.stop,
      () => run.stop(),
    );
    return report;
  }

  public get cache(): StatorCache {
    return this.current.cache;
  }

  public get fs(): StatorFs {
    return this.current.fs;
  }

  public get db(): StatorDb {
    return this.current.db;
  }

  public breaker(name: string): BreakerHandle | undefined {
    return this.current.breaker(name);
  }

  public get auth(): Authenticator {
    return this.current.auth;
  }

  public as(subject: Subject, options?: GuardOptions): GuardedAccess {
    return this.current.as(subject, options);
  }
}
