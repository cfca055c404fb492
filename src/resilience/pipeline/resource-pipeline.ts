import { CircuitOpenError } from '../../errors/circuit-open-error.js';
import { OperationTimeoutError } from '../../errors/operation-timeout-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { RuntimeContext } from '../../kernel/context.js';
import type { EventBus } from '../../kernel/event-bus.js';
import { spanEvent } from '../../telemetry/tracing.js';
import { REFUSED, type CircuitBreaker, type Permit } from '../breaker/circuit-breaker.js';
import { classifyError } from '../detector/classify-error.js';
import type { ErrorClassification } from '../detector/error-kind.js';
import type { UnknownErrorLog } from '../detector/unknown-error-log.js';
import type { FallbackChain } from '../fallback/fallback-chain.js';
import type { Served } from '../fallback/fallback-store.js';
import type { ResourceLimiter } from '../limiter/resource-limiter.js';
import { attachAttempts, attemptsOf } from '../retry/attempts.js';
import { runAttempt } from '../../kernel/deadline.js';
import { retryAfterFailure, type RetryHooks } from '../retry/retry.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import { AdmittedCall, type CallRecorder } from './admitted-call.js';
import type { Admission, Pipeline, ReadOptions, RunOptions } from './pipeline.js';
import { createPipelineStats, type PipelineStats } from './pipeline-stats.js';

/** What a {@link ResourcePipeline} is built from. */
export interface ResourcePipelineParts {
  readonly breaker: CircuitBreaker;
  readonly policy: RetryPolicy;
  readonly fallback: FallbackChain;
  readonly limiter: ResourceLimiter | undefined;
  readonly unknownErrors: UnknownErrorLog;
}

const noTimeout = (): Error => new Error('no timeout');

/**
 * The recovery pipeline of one resource: error detector → limiter → breaker → retry →
 * per-attempt timeout. A call that succeeds at once costs a state read, one await and a few
 * counter increments; retries, events and fallbacks are only paid for on the failure path.
 *
 * Every recovery decision is an event on the bus (source `resilience.<resource>`):
 * `retry.attempt`, `retry.exhausted`, `breaker.rejected`, `fallback.served`, `fallback.missed`
 * (breaker transitions are published by the resilience capability as `breaker.transition`).
 */
export class ResourcePipeline implements Pipeline, CallRecorder {
  public readonly stats: PipelineStats = createPipelineStats();
  public readonly breaker: CircuitBreaker;
  public readonly limiter: ResourceLimiter | undefined;
  public readonly fallback: FallbackChain;
  private readonly clock: Clock;
  private readonly events: EventBus;
  private readonly policy: RetryPolicy;
  private readonly unknownErrors: UnknownErrorLog;
  private readonly source: string;
  private readonly timesCalls: boolean;

  public constructor(
    ctx: RuntimeContext,
    public readonly resource: string,
    parts: ResourcePipelineParts,
  ) {
    this.clock = ctx.clock;
    this.events = ctx.events;
    this.breaker = parts.breaker;
    this.policy = parts.policy;
    this.fallback = parts.fallback;
    this.limiter = parts.limiter;
    this.unknownErrors = parts.unknownErrors;
    this.source = `resilience.${resource}`;
    this.timesCalls = parts.breaker.timesCalls || parts.policy.maxTotalMs > 0;
  }

  public run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options?: RunOptions): Promise<T> {
    const limiter = this.limiter;
    if (limiter) return limiter.schedule(() => this.allowed(operation, fn, options), options?.signal);
    // As allowed(), inline: one frame less in a refusal's stack trace, which every refusal captures.
    const breaker = this.breaker;
    const permit = breaker.permit();
    if (permit === REFUSED) {
      // Built here rather than in the breaker: one frame less for its stack trace to capture.
      const error = new CircuitOpenError(breaker.name, breaker.refusingState(), breaker.retryAt());
      return Promise.reject(this.refused(operation, error));
    }
    return this.guarded(operation, fn, options, permit);
  }

  public async read<T>(
    operation: string,
    key: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options?: ReadOptions<T>,
  ): Promise<Served<T>> {
    let value: T;
    try {
      value = await this.run(operation, fn, options);
    } catch (error) {
      return this.recover(operation, key, error, options);
    }
    this.fallback.remember(key, value);
    return { value, source: 'primary', stale: false };
  }

  public admit(operation: string): Admission | undefined {
    // A limiter may make the call wait; a total-time cap is a timeout the caller did not ask for.
    if (this.limiter || this.policy.maxTotalMs > 0) return undefined;
    const permit = this.allow(operation);
    return new AdmittedCall(this, operation, permit, this.timesCalls ? this.clock.now() : 0);
  }

  public refuseIfOpen(operation: string): number {
    const state = this.breaker.state;
    if (state === 'open' || state === 'isolated') this.allow(operation);
    return this.breaker.period();
  }

  public acquireFailed(period: number, operation: string, error: unknown): void {
    this.failed(period, this.timesCalls ? this.clock.now() : 0, operation, error);
  }

  public retry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.policy.maxAttempts <= 1) return fn();
    const startedAt = this.policy.maxTotalMs > 0 ? this.clock.now() : 0;
    return fn().catch((first: unknown) =>
      retryAfterFailure(this.clock, this.policy, first, startedAt, undefined, fn, this.retryHooks(operation)),
    );
  }

  public async recover<T>(
    operation: string,
    key: string,
    error: unknown,
    options?: ReadOptions<T>,
  ): Promise<Served<T>> {
    const served = await this.fallback.answer(key, error, options?.default);
    spanEvent(served ? 'stator.fallback.served' : 'stator.fallback.missed', {
      'stator.resource': this.resource,
      'stator.operation': operation,
      ...(served ? { 'stator.fallback.source': served.source } : {}),
    });
    if (this.events.observed) {
      const { kind } = classifyError(error);
      if (served) this.events.emit(this.source, 'fallback.served', { operation, key, source: served.source, kind });
      else this.events.emit(this.source, 'fallback.missed', { operation, key, kind });
    }
    if (served) return served;
    throw error;
  }

  /** Records a call that succeeded (for {@link AdmittedCall}; `run` records its own). */
  public recordSuccess(permit: Permit, startedAt: number): void {
    this.breaker.succeeded(permit, startedAt);
    this.stats.successes++;
  }

  /** Records a call that failed for good (for {@link AdmittedCall}; `run` records its own). */
  public recordFailure(permit: Permit, startedAt: number, operation: string, error: unknown): void {
    this.failed(permit, startedAt, operation, error);
  }

  /** Remembers a good value read (or written) under `key` for the fallback chain. */
  public remember(key: string, value: unknown): void {
    this.fallback.remember(key, value);
  }

  public forget(match: string | ((key: string) => boolean)): void {
    this.fallback.forget(match);
  }

  /**
   * Past the breaker, or refused: a refusal (an open breaker refuses every call during an outage)
   * is a rejected promise at once, without the frame and promise of the async call path.
   */
  private allowed<T>(
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options: RunOptions | undefined,
  ): Promise<T> {
    const permit = this.breaker.permit();
    if (permit === REFUSED) return Promise.reject(this.refused(operation, this.breaker.refusal()));
    return this.guarded(operation, fn, options, permit);
  }

  private async guarded<T>(
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options: RunOptions | undefined,
    permit: Permit,
  ): Promise<T> {
    const policy = this.policy;
    // The start time matters only to the slow-call rule and the total-time cap.
    const startedAt = this.timesCalls ? this.clock.now() : 0;
    const signal = options?.signal;
    let timeoutMs = options?.timeoutMs ?? policy.attemptTimeoutMs;
    if (policy.maxTotalMs > 0) timeoutMs = timeoutMs > 0 ? Math.min(timeoutMs, policy.maxTotalMs) : policy.maxTotalMs;
    let value: T;
    try {
      value = await runAttempt(
        this.clock,
        fn,
        signal,
        timeoutMs,
        timeoutMs > 0 ? this.timeoutError(operation, timeoutMs) : noTimeout,
      );
    } catch (first) {
      if (options?.retry === false || policy.maxAttempts <= 1) {
        this.failed(permit, startedAt, operation, first);
        throw first;
      }
      return this.retrying(operation, fn, signal, timeoutMs, permit, startedAt, first);
    }
    this.breaker.succeeded(permit, startedAt);
    this.stats.successes++;
    return value;
  }

  /** The failure path of a retryable call: the retry loop, then the same accounting as a first-time result. */
  private async retrying<T>(
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    permit: Permit,
    startedAt: number,
    first: unknown,
  ): Promise<T> {
    let value: T;
    try {
      value = await retryAfterFailure(
        this.clock,
        this.policy,
        first,
        startedAt,
        signal,
        (remainingMs) => {
          const t = remainingMs > 0 ? (timeoutMs > 0 ? Math.min(timeoutMs, remainingMs) : remainingMs) : timeoutMs;
          return runAttempt(this.clock, fn, signal, t, t > 0 ? this.timeoutError(operation, t) : noTimeout);
        },
        this.retryHooks(operation),
      );
    } catch (error) {
      this.failed(permit, startedAt, operation, error);
      throw error;
    }
    this.breaker.succeeded(permit, startedAt);
    this.stats.successes++;
    return value;
  }

  private failed(permit: Permit, startedAt: number, operation: string, error: unknown): void {
    const classification = classifyError(error);
    this.breaker.failed(permit, startedAt, classification);
    this.noteFailure(operation, error, classification);
  }

  private allow(operation: string): Permit {
    const permit = this.breaker.permit();
    if (permit === REFUSED) throw this.refused(operation, this.breaker.refusal());
    return permit;
  }

  /** Announces a refusal of the breaker (span event, `breaker.rejected`); returns the error to reject with. */
  private refused(operation: string, error: CircuitOpenError): CircuitOpenError {
    spanEvent('stator.breaker.rejected', {
      'stator.resource': this.resource,
      'stator.operation': operation,
      'stator.breaker.state': this.breaker.state,
    });
    if (this.events.observed) {
      this.events.emit(this.source, 'breaker.rejected', {
        operation,
        state: this.breaker.state,
        ...(this.breaker.nextAttemptAt !== undefined ? { retryAt: this.breaker.nextAttemptAt } : {}),
      });
    }
    return error;
  }

  private noteFailure(operation: string, error: unknown, classification: ErrorClassification): void {
    this.stats.failures++;
    const byKind = this.stats.errorsByKind;
    byKind.set(classification.kind, (byKind.get(classification.kind) ?? 0) + 1);
    if (!classification.known) this.unknownErrors.note(error, this.resource, operation);
    const attempts = attemptsOf(error);
    if (attempts === undefined) attachAttempts(error, 1);
    else if (attempts > 1 && this.events.observed) {
      this.events.emit(this.source, 'retry.exhausted', { operation, attempts, kind: classification.kind });
    }
  }

  private retryHooks(operation: string): RetryHooks {
    return {
      onRetry: (attempt, delayMs, _error, classification) => {
        this.stats.retries++;
        spanEvent('stator.retry', {
          'stator.resource': this.resource,
          'stator.operation': operation,
          'stator.retry.attempt': attempt,
          'stator.retry.delay_ms': delayMs,
          'error.type': classification.code !== undefined ? String(classification.code) : classification.kind,
        });
        if (this.events.observed) {
          this.events.emit(this.source, 'retry.attempt', {
            operation,
            attempt,
            delayMs,
            kind: classification.kind,
            ...(classification.code !== undefined ? { code: classification.code } : {}),
          });
        }
      },
      giveUp: () => this.breaker.state === 'open' || this.breaker.state === 'isolated',
    };
  }

  private timeoutError(operation: string, timeoutMs: number): () => Error {
    return () => new OperationTimeoutError(this.resource, operation, timeoutMs);
  }
}
