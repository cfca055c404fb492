import type { BreakerHandle } from '../breaker/breaker-handle.js';
import type { Served } from '../fallback/fallback-store.js';

/** Options of a pipeline, given the first time a resource asks for it. */
export interface PipelineOptions {
  /**
   * Probes the resource itself in halfOpen (Redis `PING`, `SELECT 1`, a `stat` of base_path), so
   * that no user request is the guinea pig. Must honour `signal` (aborted at `trial_timeout`).
   * Without it (or with `circuit_breaker.probe: false`) half-open lets `half_open_calls` user
   * calls through as trials.
   */
  probe?: (signal: AbortSignal) => Promise<void>;
}

/** Options of one {@link Pipeline.run}. */
export interface RunOptions {
  /** False for writes and non-idempotent operations: never retried. Default true (transient errors only). */
  retry?: boolean;
  /** Per-attempt timeout in ms; overrides `retry.attempt_timeout`. 0 = none. */
  timeoutMs?: number;
  /** Cancels the operation: aborts the attempt in flight and cuts a back-off sleep short. */
  signal?: AbortSignal;
}

/** Options of one {@link Pipeline.read}. */
export interface ReadOptions<T> extends RunOptions {
  /** The value the `default` fallback strategy answers with (wrapped so `undefined` is a value). */
  default?: { value: T };
}

/**
 * The recovery pipeline of one resource: error detector → rate limiter → circuit breaker →
 * retry (transient kinds only) → per-attempt timeout.
 *
 * @example
 * ```ts
 * const db = resilience.pipeline('database', { probe: (signal) => ping(signal) });
 * const rows = await db.run('select', (signal) => knex('users').select());
 * await db.run('insert', () => knex('users').insert(row), { retry: false });
 * const user = await db.read('user.byId', `user:${id}`, () => findUser(id));
 * if (user.stale) console.warn(`served from ${user.source}`);
 * ```
 */
export interface Pipeline {
  readonly resource: string;
  readonly breaker: BreakerHandle;
  /**
   * Runs `fn` through the pipeline.
   *
   * @throws {@link CircuitOpenError} when the breaker refuses the call.
   * @throws the operation's own error once retries are exhausted (or at once for a
   * non-transient kind), with `attempts` attached (see {@link attemptsOf}).
   */
  run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options?: RunOptions): Promise<T>;
  /**
   * Like {@link Pipeline.run}; on failure (or an open breaker) the fallback chain answers, in the
   * order of `fallback.strategies`. Successful primary reads are remembered for the `local` and
   * `cache` strategies under `key`.
   *
   * @throws the primary's error when no strategy has a value, or fallback is disabled, or the
   * error's kind does not allow a fallback (a syntax error is not hidden behind a stale value).
   */
  read<T>(operation: string, key: string, fn: (signal: AbortSignal) => Promise<T>, options?: ReadOptions<T>): Promise<Served<T>>;
}
