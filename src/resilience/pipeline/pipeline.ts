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
  read<T>(
    operation: string,
    key: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options?: ReadOptions<T>,
  ): Promise<Served<T>>;
  /**
   * The synchronous half of {@link Pipeline.run} with `{ retry: false, timeoutMs: 0 }`, for hot
   * paths that make one attempt, bound it themselves and settle their own promise (the cache: a
   * call costs no promise, closure or timer of the pipeline's). Lets the call past the breaker
   * and returns the {@link Admission} its outcome is reported to, exactly once.
   *
   * Returns `undefined` when the pipeline cannot admit synchronously (a rate limiter may make the
   * call wait, or `retry.max_total` bounds every call): use {@link Pipeline.run} /
   * {@link Pipeline.read} then.
   *
   * @throws {@link CircuitOpenError} when the breaker refuses the call (counted and announced as
   * `breaker.rejected`, as for `run`).
   *
   * @example
   * ```ts
   * const call = pipeline.admit('get');
   * if (call) {
   *   try { const v = await client.get(key); call.readSucceeded(key, v); return v; }
   *   catch (error) { call.failed(error); return (await pipeline.recover('get', key, error)).value; }
   * }
   * ```
   */
  admit(operation: string): Admission | undefined;
  /**
   * Refuses at once, before any resource is taken (a pooled connection), while the breaker is
   * open or isolated: throws {@link CircuitOpenError}, counted and announced as
   * `breaker.rejected`. Takes no permit: the call itself is admitted later.
   *
   * Returns the breaker's period at this moment, for {@link Pipeline.acquireFailed}.
   */
  refuseIfOpen(operation: string): number;
  /**
   * Records that a call let in by {@link Pipeline.refuseIfOpen} failed before it was admitted (it
   * got no connection), as a failed call of the breaker's `period` returned then: if the breaker
   * opened or closed again since, the failure is not counted against the new closed period (a
   * call that waited through an outage must not reopen the breaker right after the recovery).
   * Never throws.
   */
  acquireFailed(period: number, operation: string, error: unknown): void;
  /**
   * Runs `fn`, and again per `error_handling.retry` when it fails with a transient kind, outside
   * the breaker: for reads whose every attempt is already admitted and counted one level down
   * (each query of `stator.db.knex`). Stops retrying while the breaker is open.
   *
   * @throws the last error, with `attempts` attached.
   */
  retry<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /**
   * The failure half of {@link Pipeline.read}: answers a read that failed (after
   * {@link Admission.failed}, or when {@link Pipeline.admit} threw) from the fallback chain, with
   * the same events (`fallback.served`, `fallback.missed`).
   *
   * @throws `error` when no strategy has a value, fallback is disabled, or the error's kind does
   * not allow a fallback.
   */
  recover<T>(operation: string, key: string, error: unknown, options?: ReadOptions<T>): Promise<Served<T>>;
  /**
   * Remembers `value` as the last good value under `key` for the fallback chain, as a successful
   * read does: for a write that succeeded, so that a later fallback does not answer with the value
   * it replaced. Never throws.
   */
  remember(key: string, value: unknown): void;
  /**
   * Drops the fallback chain's in-process copies of the keys `match` names (a key, or a test over
   * keys), after a delete or an invalidation, so that no fallback answers with a value the service
   * removed. Never throws.
   */
  forget(match: string | ((key: string) => boolean)): void;
}

/** A call let in by {@link Pipeline.admit}: report its outcome once, with one of these. None throws. */
export interface Admission {
  /** The call succeeded (breaker window, success count). */
  succeeded(): void;
  /** A read succeeded: as {@link Admission.succeeded}, and `value` is remembered under `key` for the fallback chain. */
  readSucceeded(key: string, value: unknown): void;
  /**
   * The call failed: classified by the error detector, counted against the breaker when its kind
   * counts, `attempts` (1) attached to the error.
   */
  failed(error: unknown): void;
}
