import type { StatorConfig } from '../config/schema.js';
import type { ConnectionFactory } from './connection-factory.js';
import { SAMPLE_INTERVAL_MS, type StackCapture } from './stack-sampler.js';

/**
 * Options of {@link createPool}. Durations are milliseconds here; anything left out comes from
 * the `connection_pool` configuration section (seconds there). A duration of 0 turns that
 * behaviour off (idle timeout, max lifetime, validation, leak detection, acquire timeout).
 */
export interface PoolOptions<C> {
  /** Name in events (`pool.<name>/conn-<n>`), metrics (`pool` label) and errors. */
  readonly name: string;
  readonly factory: ConnectionFactory<C>;
  /** `max_connections`. */
  readonly max?: number;
  /** `min_connections`: kept open even when idle. */
  readonly min?: number;
  /** `idle_timeout`: an idle connection above `min` is retired after this long unused. */
  readonly idleTimeoutMs?: number;
  /** `max_lifetime`: a connection is retired after this long, whatever its use. */
  readonly maxLifetimeMs?: number;
  /** `lifetime_jitter`: each connection's lifetime is drawn uniformly in ±jitter×max_lifetime. */
  readonly lifetimeJitter?: number;
  /** `validation_interval`: idle connections are validated this often, and a borrow after this much idleness validates first. */
  readonly validationIntervalMs?: number;
  /** `acquire_timeout`: an acquire waits at most this long (per-call `timeoutMs` overrides). */
  readonly acquireTimeoutMs?: number;
  /** Opening one connection may take at most this long. Default: the acquire timeout (30 s if that is 0). */
  readonly createTimeoutMs?: number;
  /** `leak_threshold`: a lease held longer is reported (logger warn, `leak.suspected` event). */
  readonly leakThresholdMs?: number;
  /**
   * `capture_stacks`: when to record the acquiring stack, shown in leak reports and POOL_TIMEOUT
   * messages. A capture costs 8–15 µs under load (see `StackSampler`), so the default
   * `sampled` records at most one acquire per `stackSampleIntervalMs` (a leaking code path runs
   * often enough to be caught), and every acquire for five minutes after a leak report or a
   * timeout. `always` records every acquire; `never` none. `runWithAcquireSite` sets the
   * site without capturing (free).
   */
  readonly captureStacks?: StackCapture;
  /** In `sampled` mode, the clock time between two captures. Default 100 ms (at most 10 a second). */
  readonly stackSampleIntervalMs?: number;
  /** Back-off of the recovery probe: first delay, doubled per failure up to `maxDelayMs`, ±20% jitter. */
  readonly recovery?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /**
   * When a connection is an EventEmitter (pg, mysql2), listen to its `error` and `end` events so
   * that a connection the server terminates while idle is retired at once. Default true.
   */
  readonly watchErrors?: boolean;
  /** Publish the connection machines' events on the event bus. Default true (lifecycle changes only). */
  readonly record?: boolean;
  /** Source of randomness for jitter (tests pin it). Default `Math.random`. */
  readonly random?: () => number;
}

/** {@link PoolOptions} with every default applied. */
export interface ResolvedPoolOptions<C> {
  readonly name: string;
  readonly factory: ConnectionFactory<C>;
  readonly max: number;
  readonly min: number;
  readonly idleTimeoutMs: number;
  readonly maxLifetimeMs: number;
  readonly lifetimeJitter: number;
  readonly validationIntervalMs: number;
  readonly acquireTimeoutMs: number;
  readonly createTimeoutMs: number;
  readonly leakThresholdMs: number;
  readonly captureStacks: StackCapture;
  readonly stackSampleIntervalMs: number;
  readonly recoveryInitialDelayMs: number;
  readonly recoveryMaxDelayMs: number;
  readonly watchErrors: boolean;
  readonly record: boolean;
  readonly random: () => number;
}

/** Fills the options from the `connection_pool` section (seconds → milliseconds). */
export function resolvePoolOptions<C>(
  section: StatorConfig['connection_pool'],
  options: PoolOptions<C>,
): ResolvedPoolOptions<C> {
  const max = options.max ?? section.max_connections;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? section.acquire_timeout * 1000;
  const leakThresholdMs = options.leakThresholdMs ?? section.leak_threshold * 1000;
  return {
    name: options.name,
    factory: options.factory,
    max,
    min: Math.min(options.min ?? section.min_connections, max),
    idleTimeoutMs: options.idleTimeoutMs ?? section.idle_timeout * 1000,
    maxLifetimeMs: options.maxLifetimeMs ?? section.max_lifetime * 1000,
    lifetimeJitter: options.lifetimeJitter ?? section.lifetime_jitter,
    validationIntervalMs: options.validationIntervalMs ?? section.validation_interval * 1000,
    acquireTimeoutMs,
    createTimeoutMs: options.createTimeoutMs ?? (acquireTimeoutMs || 30_000),
    leakThresholdMs,
    captureStacks: options.captureStacks ?? section.capture_stacks,
    stackSampleIntervalMs: options.stackSampleIntervalMs ?? SAMPLE_INTERVAL_MS,
    recoveryInitialDelayMs: options.recovery?.initialDelayMs ?? 500,
    recoveryMaxDelayMs: options.recovery?.maxDelayMs ?? 30_000,
    watchErrors: options.watchErrors ?? true,
    record: options.record ?? true,
    random: options.random ?? Math.random,
  };
}
