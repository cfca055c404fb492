import type { Observable, Subscription } from 'rxjs';
import { getInitialSnapshot, type Actor, type SnapshotFrom } from 'xstate';
import {
  supervisorMachine,
  type SupervisedResource,
  type SupervisorContext,
  type SupervisorInput,
} from '../../machines/supervisor.machine.js';
import type { StatorConfig } from '../config/schema.js';
import { CapabilityUnavailableError } from '../errors/capability-unavailable-error.js';
import { guardCapability } from './capability-guard.js';
import { StartupError, type StartupFailure } from '../errors/startup-error.js';
import type { StatorEvent } from '../kernel/event-bus.js';
import type { EventLogWriter } from '../events/event-log-writer.js';
import { openEventLog } from '../events/open-event-log.js';
import { traceTransitions } from '../telemetry/transition-events.js';
import type { BreakerHandle } from '../resilience/breaker/breaker-handle.js';
import type { Resilience } from '../resilience/resilience.js';
import type { StatorCache } from '../cache/types.js';
import type { StatorDb } from '../database/database-api.js';
import type { StatorFs } from '../filesystem/filesystem-api.js';
import type { SupervisorPhase } from '../status/aggregate.js';
import { StatusManager, type StatusSnapshot } from '../status/status-manager.js';
import type { AlertControls } from '../status/alerts/alert-controls.js';
import type { AlertTransition } from '../status/alerts/alert-transition.js';
import type { MetricsSnapshot } from '../status/metrics/metrics-snapshot.js';
import { Observability, type ObservabilityOptions } from '../status/observability.js';
import type { ReadinessView } from '../status/readiness.js';
import { gracefulShutdown, type ShutdownReport } from '../status/shutdown/graceful-shutdown.js';
import { startMachine } from '../kernel/actor.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { ResourceLayer } from '../kernel/layer.js';
import { provideResourceMachine } from './resource-actors.js';
import { logResourceChanges } from './resource-log.js';
import type { Stator, StopReport } from './stator.js';
import type { Authenticator } from '../security/authenticator.js';
import type { GuardOptions } from '../security/access-check.js';
import type { GuardedAccess } from '../security/guard-access.js';
import type { Subject } from '../security/security.js';
import { secureStator, type SecuredStator } from '../security/secure-stator.js';

type SupervisorMachine = typeof supervisorMachine;
type SupervisorSnapshot = SnapshotFrom<SupervisorMachine>;

/** What {@link StatorRuntime} is built from; `createStator` assembles it. */
export interface StatorParts {
  readonly context: RuntimeContext;
  /** Each resource's layer, by name. */
  readonly layers: ReadonlyMap<string, ResourceLayer>;
  /** The capability APIs of the built-in layers, by resource name. */
  readonly apis: ReadonlyMap<string, unknown>;
  /** The instance's resilience capability (breakers, pipelines), shared with the built-in layers. */
  readonly resilience: Resilience;
  readonly supervisor: SupervisorInput;
  /** Alert rules and notifiers added in code, and the aggregation policy. */
  readonly observability?: ObservabilityOptions;
  /**
   * The Stator the embedding service holds, when it is not this runtime (a restartable Stator whose
   * runs are runtimes): security is built once for it, so that `stator.auth` and an explicit
   * `secureStator(stator)` share one, across runs.
   */
  readonly securable?: Stator;
}

const phaseOf = (snapshot: SupervisorSnapshot): SupervisorPhase => {
  const value: unknown = snapshot.value;
  return (typeof value === 'string' ? value : Object.keys(value as object)[0]) as SupervisorPhase;
};

/** The {@link Stator} implementation: wires the supervisor machine to layers, status and logs. */
export class StatorRuntime implements Stator {
  public readonly config: StatorConfig;
  public readonly context: RuntimeContext;
  public readonly status$: Observable<StatusSnapshot>;
  public readonly events$: Observable<StatorEvent>;
  public readonly metrics$: Observable<MetricsSnapshot>;
  public readonly alerts$: Observable<AlertTransition>;
  public readonly alerts: AlertControls;

  private readonly machine: SupervisorMachine;
  private readonly status: StatusManager;
  private readonly resilience: Resilience;
  private actor: Actor<SupervisorMachine> | undefined;
  private previous: SupervisorContext;
  private phase: SupervisorPhase = 'idle';
  private startup: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined;
  private startupError: StartupError | undefined;
  private stopRequest: { promise: Promise<StopReport>; resolve: (r: StopReport) => void } | undefined;
  private finished = false;
  /** The capability APIs as handed out: refusing calls before start() and after stop(). */
  private readonly guarded = new Map<string, object>();
  private readonly stopOrder: string[] = [];
  private readonly observability: Observability;
  private graceful: Promise<ShutdownReport<StopReport>> | undefined;
  /** The JSONL event log (`events.path`), written from start() to the end of stop(). */
  private eventLog: EventLogWriter | undefined;
  /** Machine transitions as span events, when a tracer provider was registered at start. */
  private transitionTrace: Subscription | undefined;
  private secured: SecuredStator | undefined;

  public constructor(private readonly parts: StatorParts) {
    this.context = parts.context;
    this.config = parts.context.config;
    this.events$ = parts.context.events.events$;
    this.machine = supervisorMachine.provide({
      actors: {
        resource: provideResourceMachine(parts.context, parts.layers, (name) => parts.resilience.breaker(name)),
      },
    });
    const initial = getInitialSnapshot(this.machine, parts.supervisor);
    this.previous = initial.context;
    this.status = new StatusManager(parts.context.clock, parts.context.secrets, parts.layers, {
      phase: 'idle',
      context: initial.context,
    });
    this.status$ = this.status.status$;
    this.resilience = parts.resilience;
    this.observability = new Observability(
      {
        context: parts.context,
        statusManager: this.status,
        layers: parts.layers,
        breaker: (name) => this.breaker(name),
      },
      parts.observability,
    );
    this.metrics$ = this.observability.metrics$;
    this.alerts$ = this.observability.alerts$;
    this.alerts = this.observability.alertControls;
  }

  public start(): Promise<void> {
    if (this.startup) return this.startup.promise;
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.startup = { promise, ...settle };
    if (this.stopRequest) {
      this.startup.reject(
        new StartupError([], [], { reason: 'stop() was called before start(); create a new Stator' }),
      );
      return promise;
    }
    this.eventLog = openEventLog(this.context);
    this.transitionTrace = traceTransitions(this.context.events);
    const actor = startMachine(this.context, this.machine, { source: 'supervisor', input: this.parts.supervisor });
    this.actor = actor;
    actor.subscribe({
      next: (snapshot) => this.onSnapshot(snapshot),
      error: (error) => this.onSupervisorError(error),
    });
    // A security section with a key that does not parse fails the start, before any resource.
    const securityReady = this.config.security ? this.security.security.ready() : Promise.resolve();
    securityReady.then(
      () => {
        // stop() came first: the supervisor went from idle to stopped, nothing is to start.
        if (actor.getSnapshot().status !== 'active') return;
        actor.send({ type: 'START' });
        this.observability.start();
      },
      (error: unknown) => {
        this.context.logger.error('stator: the security configuration cannot be used', { error });
        this.startup?.reject(
          new StartupError([], [], { reason: `security: ${(error as Error).message}`, cause: error }),
        );
        actor.stop();
        this.actor = undefined; // nothing started: stop() has nothing to wait for
      },
    );
    return promise;
  }

  public stop(): Promise<StopReport> {
    if (this.stopRequest) return this.stopRequest.promise;
    let resolve!: (r: StopReport) => void;
    const promise = new Promise<StopReport>((r) => (resolve = r));
    this.stopRequest = { promise, resolve };
    const actor = this.actor;
    if (!actor || this.isHalted(actor.getSnapshot())) this.finish();
    else actor.send({ type: 'STOP' });
    return promise;
  }

  public health(): StatusSnapshot {
    return this.status.snapshot();
  }

  public readiness(): ReadinessView {
    return this.observability.readiness();
  }

  public shutdown(): Promise<ShutdownReport<StopReport>> {
    this.graceful ??= gracefulShutdown(
      {
        beginShutdown: () => this.observability.beginShutdown(),
        drainables: () => this.parts.layers.values(),
        stop: () => this.stop(),
      },
      {
        clock: this.context.clock,
        logger: this.context.logger,
        drainDelayMs: this.config.shutdown.drain_delay * 1000,
        drainTimeoutMs: this.config.shutdown.drain_timeout * 1000,
      },
    );
    return this.graceful;
  }

  public get cache(): StatorCache {
    return this.api('cache', 'cache') as StatorCache;
  }

  public get fs(): StatorFs {
    return this.api('fs', 'filesystem') as StatorFs;
  }

  public get db(): StatorDb {
    return this.api('db', 'database') as StatorDb;
  }

  public breaker(name: string): BreakerHandle | undefined {
    return this.resilience.breaker(name);
  }

  public get auth(): Authenticator {
    return this.security.auth;
  }

  public as(subject: Subject, options?: GuardOptions): GuardedAccess {
    return this.security.as(subject, options);
  }

  /** Security is built on first use, once the capability APIs it guards exist. */
  private get security(): SecuredStator {
    this.secured ??= secureStator(this.parts.securable ?? this);
    return this.secured;
  }

  /** The status manager, for capabilities that add their part to the snapshot. */
  public get statusManager(): StatusManager {
    return this.status;
  }

  private api(capability: string, resource: string): unknown {
    const api = this.parts.apis.get(resource);
    if (api && typeof api === 'object') {
      let guarded = this.guarded.get(resource);
      if (!guarded) {
        // `knex` keeps its identity (its queries answer DatabaseNotReadyError until the database runs).
        guarded = guardCapability(api, capability, () => this.closedReason(), new Set(['knex', 'dialect']));
        this.guarded.set(resource, guarded);
      }
      return guarded;
    }
    if (this.parts.apis.has(resource)) return api;
    const reason = this.parts.layers.has(resource)
      ? `the ${resource} resource is a custom layer without this API`
      : `this Stator runs no ${resource} resource`;
    throw new CapabilityUnavailableError(capability, reason);
  }

  /** Why the capabilities refuse calls now: before start() and after stop() (or a halt). */
  private closedReason(): string | undefined {
    if (this.finished || this.phase === 'stopped') return 'this Stator was stopped';
    if (this.phase === 'failed') {
      return this.previous.failure?.reason === 'startup'
        ? 'start() failed and every resource was stopped'
        : 'the supervisor halted (supervisor.on_exhausted: halt) and stopped every resource';
    }
    if (!this.actor) return 'start() has not been called';
    return undefined;
  }

  private isHalted(snapshot: SupervisorSnapshot): boolean {
    return snapshot.matches('stopped') || snapshot.matches({ failed: 'halted' });
  }

  private onSnapshot(snapshot: SupervisorSnapshot): void {
    const phase = phaseOf(snapshot);
    const context = snapshot.context;
    this.stopOrder.push(...logResourceChanges(this.context.logger, this.previous, context, phase));
    if (phase !== this.phase) this.onPhase(phase, context);
    this.phase = phase;
    this.previous = context;
    this.status.update({ phase, context });

    if (phase === 'running') this.startup?.resolve();
    if (this.isHalted(snapshot)) {
      this.startup?.reject(
        this.startupError ??
          new StartupError([], [], {
            reason: phase === 'failed' ? 'the supervisor failed' : 'stop() was called while starting',
          }),
      );
      // Leave the actor's own callback before stopping it.
      queueMicrotask(() => {
        if (this.stopRequest) this.finish();
        else this.actor?.stop();
      });
    }
  }

  private onPhase(phase: SupervisorPhase, context: SupervisorContext): void {
    const logger = this.context.logger;
    // Routine: at info the embedded default says nothing unless something happens.
    if (phase === 'running') logger.debug('stator: running', { resources: context.order });
    if (phase === 'stopping') logger.debug('stator: stopping');
    if (phase === 'stopped') logger.debug('stator: stopped', { order: this.stopOrder });
    if (phase === 'failed') {
      if (context.failure?.reason === 'startup') {
        this.startupError = this.buildStartupError(context);
        logger.error(this.startupError.message);
      } else {
        logger.error(
          `stator: failed: ${context.failure?.resources.join(', ') ?? 'a resource'} failed more than ` +
            `${context.maxRestarts} times within supervisor.restart_period; stopping every resource`,
        );
      }
    }
  }

  private buildStartupError(context: SupervisorContext): StartupError {
    const scrub = (text: string): string => this.context.secrets.scrub(text);
    const failures: StartupFailure[] = (context.failure?.resources ?? []).map((name) => {
      const r = context.resources[name];
      return {
        resource: name,
        attempts: r?.attempts ?? 0,
        message: scrub(r?.lastError?.message ?? 'unknown error'),
        ...(r?.lastError?.code ? { code: scrub(r.lastError.code) } : {}),
      };
    });
    const skipped = context.order.filter((n) => (context.resources[n]?.attempts ?? 0) === 0);
    return new StartupError(failures, skipped);
  }

  private onSupervisorError(error: unknown): void {
    // startMachine already logged it; settle whoever waits so nothing hangs.
    this.startup?.reject(
      new StartupError([], [], { reason: 'the supervisor stopped on an internal error', cause: error }),
    );
    if (this.stopRequest) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.actor?.stop();
    const context = this.actor?.getSnapshot().context ?? this.previous;
    const all = context.order.map((n) => context.resources[n]).filter((r): r is SupervisedResource => !!r);
    const abandoned = all.filter((r) => r.stopOutcome === 'abandoned').map((r) => r.name);
    const errors = all
      .filter((r) => r.stopOutcome === 'error')
      .map((r) => ({ resource: r.name, message: this.context.secrets.scrub(r.lastError?.message ?? 'unknown error') }));
    const report: StopReport = {
      order: [...this.stopOrder],
      abandoned,
      errors,
      clean: !abandoned.length && !errors.length,
    };
    const done = (): void => {
      void this.observability.stop();
      this.status.complete();
      this.transitionTrace?.unsubscribe();
      this.context.events.complete();
      // The event log is complete on disk when stop() resolves.
      const closed = this.eventLog?.close() ?? Promise.resolve();
      void closed.then(() => this.stopRequest?.resolve(report));
    };
    this.resilience.stop().then(done, (error: unknown) => {
      this.context.logger.warn('stator: resilience did not stop cleanly', { error });
      done();
    });
  }
}
