import type { Observable } from 'rxjs';
import type { StatorCache } from '../cache/types.js';
import type { StatorDb } from '../database/database-api.js';
import type { StatorFs } from '../filesystem/filesystem-api.js';
import type { StatorConfig } from '../config/schema.js';
import type { StatorEvent } from '../kernel/event-bus.js';
import type { BreakerHandle } from '../resilience/breaker/breaker-handle.js';
import type { StatusSnapshot } from '../status/status-manager.js';
import type { AlertControls } from '../status/alerts/alert-controls.js';
import type { AlertTransition } from '../status/alerts/alert-transition.js';
import type { MetricsSnapshot } from '../status/metrics/metrics-snapshot.js';
import type { ReadinessView } from '../status/readiness.js';
import type { ShutdownReport } from '../status/shutdown/graceful-shutdown.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { Authenticator } from '../security/authenticator.js';
import type { GuardOptions } from '../security/access-check.js';
import type { GuardedAccess } from '../security/guard-access.js';
import type { Subject } from '../security/security.js';

/** How `stator.stop()` went. */
export interface StopReport {
  /** Resources in the order they finished stopping (dependents before their dependencies). */
  readonly order: readonly string[];
  /** Resources whose stop took longer than `supervisor.stop_timeout` and was abandoned. */
  readonly abandoned: readonly string[];
  /** Resources whose stop failed, with the (scrubbed) message. */
  readonly errors: readonly { readonly resource: string; readonly message: string }[];
  /** True when every resource stopped cleanly. */
  readonly clean: boolean;
}

/**
 * A running Stator: the supervisor of a service's resources and the way to reach them.
 * Made by `createStator`.
 *
 * @example
 * ```ts
 * const stator = createStator({ config: 'stator.yaml' });
 * stator.status$.subscribe((s) => console.log(s.status));
 * await stator.start();           // rejects with StartupError naming each resource that failed
 * stator.health().resources.cache; // { state: 'ready', since, ... }
 * await stator.stop();            // reverse dependency order
 * ```
 */
export interface Stator {
  /** The validated configuration, defaults applied. */
  readonly config: StatorConfig;
  /** The shared services of this instance (clock, logger, event bus, metrics, secrets). */
  readonly context: RuntimeContext;
  /**
   * Starts every resource in dependency order (independent ones in parallel). Resolves once
   * every resource has settled and each required one is up. Calling it again returns the same
   * promise. After {@link Stator.stop} (once it has finished) it starts everything again, from new
   * connections and pools on the same configuration.
   *
   * @throws {StartupError} naming each required resource that failed and why, after the
   * resources that did start have been stopped again.
   */
  start(): Promise<void>;
  /** Stops every resource in reverse dependency order, each within `supervisor.stop_timeout`. Idempotent. */
  stop(): Promise<StopReport>;
  /** The current status: overall `up` / `degraded` / `down` and each resource's state. */
  health(): StatusSnapshot;
  /** Status snapshots: the latest on subscription, then each change. Completes on stop. */
  readonly status$: Observable<StatusSnapshot>;
  /** Every machine event and signal, in order (see `StatorEvent`). Completes on stop. */
  readonly events$: Observable<StatorEvent>;
  /** Metric snapshots every `monitoring.metrics_interval` (latest replayed). Completes on stop. */
  readonly metrics$: Observable<MetricsSnapshot>;
  /** Alert transitions (`pending`, `firing`, `resolved`, `ok`), in order. Completes on stop. */
  readonly alerts$: Observable<AlertTransition>;
  /** Acknowledge, clear and silence alerts (see `docs/alerts.md`). */
  readonly alerts: AlertControls;
  /** Whether the service may take traffic; when not, why (which resource blocks and what it is doing). */
  readiness(): ReadinessView;
  /**
   * Graceful shutdown (what `stator start` does on SIGTERM): readiness fails at once, after
   * `shutdown.drain_delay` new transactions are refused while in-flight ones finish (at most
   * `shutdown.drain_timeout`), then {@link Stator.stop}. Idempotent.
   */
  shutdown(): Promise<ShutdownReport<StopReport>>;
  /**
   * The cache (`get`, `set`, `getOrSet`, `invalidate`, ...), backed by the `cache` resource.
   *
   * @throws {CapabilityUnavailableError} when this Stator runs no built-in cache.
   */
  readonly cache: StatorCache;
  /**
   * The sandboxed filesystem area (`resolve`, `readFile`, atomic `writeFile`, `list`).
   *
   * @throws {CapabilityUnavailableError} when this Stator runs no built-in filesystem.
   */
  readonly fs: StatorFs;
  /**
   * The database (`knex`, `transaction`).
   *
   * @throws {CapabilityUnavailableError} when this Stator runs no built-in database.
   */
  readonly db: StatorDb;
  /** The circuit breaker guarding a resource (`cache`, `database`, ...), once that resource has used it. */
  breaker(name: string): BreakerHandle | undefined;
  /**
   * Authentication (`security:` in config): `authenticate` issues a token, `verify`, `revoke`.
   * Every attempt is audited.
   */
  readonly auth: Authenticator;
  /**
   * The same `cache`, `db` and `fs`, where every call is first checked against the permissions of
   * `subject` (a token, verified again on each call, or a principal) and audited. A denied call
   * throws `AccessDeniedError` and never touches the resource.
   *
   * @example
   * ```ts
   * const { token } = await stator.auth.authenticate({ username: 'alice', password, source: req.ip });
   * await stator.as(token, { source: req.ip }).cache.get('user:alice:cart');
   * ```
   */
  as(subject: Subject, options?: GuardOptions): GuardedAccess;
}
