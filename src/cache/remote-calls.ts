import { CacheUnavailableError } from '../errors/cache-unavailable-error.js';
import { isStatorError } from '../errors/stator-error.js';
import type { Clock } from '../kernel/clock.js';
import {
  classifyError,
  type Admission,
  type Pipeline,
  type ReadOptions,
  type RunOptions,
} from '../resilience/index.js';
import { admitCall, RefusedCall } from './admission.js';
import type { CacheMetrics, CacheOperation } from './cache-metrics.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { CacheDriver } from './driver.js';

/** What one read of the driver produced, through the pipeline or not. */
export interface ReadResult {
  /** The stored text, when the cache (or a fallback) had one. */
  readonly text: string | null | undefined;
  /** True when the cache itself answered; false when the fallback chain did (the cache is down). */
  readonly fromCache: boolean;
}

/**
 * The cache's calls to its driver through the `cache` recovery pipeline: admitted by the breaker
 * without a promise of the pipeline's own where it can ({@link admitCall}), bounded by
 * `cache.timeout`, reads answered by the fallback chain when the server fails, writes failing
 * with `CacheUnavailableError`, and the fallback chain's copies kept in step with what the
 * service wrote and removed. The memory driver cannot fail or hang and is called directly.
 */
export class RemoteCalls {
  private pipelineInUse: Pipeline | undefined;
  /** Bounds each driver call by `cache.timeout` when the driver does not bound it itself. */
  public readonly deadlines: DeadlineQueue | undefined;
  /** Options of every read through the pipeline (one object, not one per call). */
  private readonly readOptions: ReadOptions<string | null | undefined> = {
    retry: false,
    timeoutMs: 0,
    default: { value: undefined },
  };
  private readonly runOptions: RunOptions = { retry: false, timeoutMs: 0 };

  public constructor(
    private readonly driver: CacheDriver,
    private readonly metrics: CacheMetrics,
    clock: Clock,
    private readonly timeoutMs: number,
    private readonly keyPrefix: string,
    pipeline: Pipeline | undefined,
  ) {
    this.pipelineInUse = driver.remote ? pipeline : undefined;
    // A timer and an AbortSignal per call (the pipeline's per-attempt timeout) cost more than a
    // local round trip's own processing: the built-in drivers bound their calls themselves with
    // one shared timer; a driver that does not is bounded here the same way.
    this.deadlines =
      driver.remote && !driver.timesOutItself && timeoutMs > 0
        ? new DeadlineQueue(clock, 'cache', timeoutMs)
        : undefined;
  }

  public get pipeline(): Pipeline | undefined {
    return this.pipelineInUse;
  }

  /** See `CacheApi.usePipeline`. */
  public usePipeline(pipeline: Pipeline | undefined): void {
    if (this.driver.remote) this.pipelineInUse = pipeline;
  }

  /** Lets one call in ({@link admitCall}). */
  public admit(operation: CacheOperation): Admission | RefusedCall | undefined {
    return admitCall(this.pipelineInUse, operation);
  }

  /** `promise`, bounded by `cache.timeout` when the driver's client does not bound it. */
  public bounded<T>(operation: string, promise: Promise<T>): Promise<T> {
    return this.deadlines ? this.deadlines.run(operation, promise) : promise;
  }

  /** Reads `full`; the fallback chain answers when the cache fails or the breaker refuses. */
  public async read(operation: CacheOperation, full: string): Promise<ReadResult> {
    if (!this.driver.remote) return { text: await this.driver.get(full), fromCache: true };
    const call = this.admit(operation);
    if (call === undefined) return this.readThrough(operation, full);
    if (call instanceof RefusedCall)
      return { text: await this.fallbackText(operation, full, call.error), fromCache: false };
    let text: string | null | undefined;
    try {
      text = await this.bounded(operation, this.driver.get(full));
    } catch (error) {
      call.failed(error);
      return { text: await this.fallbackText(operation, full, error), fromCache: false };
    }
    call.readSucceeded(full, text);
    return { text, fromCache: true };
  }

  /** {@link read} through `Pipeline.read`, for a pipeline that cannot admit synchronously (or none). */
  public async readThrough(operation: CacheOperation, full: string): Promise<ReadResult> {
    const pipeline = this.pipelineInUse;
    if (!pipeline) {
      this.metrics.fallbacks.default++;
      return { text: undefined, fromCache: false };
    }
    try {
      const served = await pipeline.read(
        operation,
        full,
        () => this.bounded(operation, this.driver.get(full)),
        this.readOptions,
      );
      if (served.source === 'primary') return { text: served.value, fromCache: true };
      this.noteFallback(served.source, served.error);
      return { text: served.value, fromCache: false };
    } catch (error) {
      this.noteFallback('default', error);
      return { text: undefined, fromCache: false };
    }
  }

  /** What the fallback chain answers for a read of `full` that failed (or was refused) with `error`. */
  public async fallbackText(
    operation: CacheOperation,
    full: string,
    error: unknown,
  ): Promise<string | null | undefined> {
    try {
      const served = await (this.pipelineInUse as Pipeline).recover(operation, full, error, this.readOptions);
      this.noteFallback(served.source, served.error);
      return served.value;
    } catch (final) {
      this.noteFallback('default', final);
      return undefined;
    }
  }

  /** Reads several keys; when the cache fails, every one is a miss (counted as a default fallback). */
  public async getMany(fulls: readonly string[]): Promise<ReadonlyArray<string | null | undefined>> {
    if (fulls.length === 0) return [];
    if (!this.driver.remote) return this.driver.getMany(fulls);
    const pipeline = this.pipelineInUse;
    if (pipeline) {
      try {
        return await pipeline.run(
          'getMany',
          () => this.bounded('getMany', this.driver.getMany(fulls)),
          this.runOptions,
        );
      } catch (error) {
        this.recordFailure(error);
      }
    }
    this.metrics.fallbacks.default++;
    return fulls.map(() => undefined);
  }

  /** `fn` through the pipeline; `call` when the caller already let it in ({@link admitCall}). */
  public async write<R>(
    operation: CacheOperation,
    fn: () => Promise<R>,
    call: Admission | RefusedCall | undefined = this.admit(operation),
  ): Promise<R> {
    if (!this.driver.remote) return fn();
    let result: R;
    try {
      if (call === undefined) return await this.writeThrough(operation, fn);
      if (call instanceof RefusedCall) throw call.error;
      try {
        result = await this.bounded(operation, fn());
      } catch (error) {
        call.failed(error);
        throw error;
      }
    } catch (error) {
      throw this.writeFailed(operation, error);
    }
    call.succeeded();
    return result;
  }

  /** A write through `Pipeline.run`, for a pipeline that cannot admit synchronously (or none). */
  private writeThrough<R>(operation: CacheOperation, fn: () => Promise<R>): Promise<R> {
    const pipeline = this.pipelineInUse;
    if (!pipeline) return Promise.reject(new CacheUnavailableError(operation, 'the cache layer is not started'));
    return pipeline.run(operation, () => this.bounded(operation, fn()), this.runOptions);
  }

  /**
   * The error a failed write rejects with: `CacheUnavailableError` (cause attached) when the
   * cache could not be reached, the error itself when it is the caller's (a Redis WRONGTYPE).
   */
  public writeFailed(operation: CacheOperation, error: unknown): unknown {
    if (isStatorError(error) && error.code.startsWith('CACHE_')) return error;
    const { kind, countsAsFailure, fallbackAllowed } = classifyError(error);
    this.metrics.error(kind);
    if (!countsAsFailure && !fallbackAllowed) return error;
    const reason =
      kind === 'circuit-open'
        ? 'the cache circuit breaker is open'
        : kind === 'timeout'
          ? `no answer within ${this.timeoutMs} ms`
          : kind;
    return new CacheUnavailableError(operation, reason, { cause: error });
  }

  /** Counts a read the fallback chain answered (or nobody did), and why. */
  private noteFallback(source: string, error: unknown): void {
    this.recordFailure(error);
    this.metrics.fallbacks[source === 'local' || source === 'cache' ? 'local' : 'default']++;
  }

  private recordFailure(error: unknown): void {
    if (error !== undefined) this.metrics.error(classifyError(error).kind);
  }

  /** After a write that succeeded: the fallback chain's copy of `full` is what was written. */
  public remember(full: string, data: string): void {
    this.pipelineInUse?.remember(full, data);
  }

  /** Deleted for the service even if the server cannot be told now: no fallback answers with it. */
  public forget(full: string): void {
    this.pipelineInUse?.forget(full);
  }

  /**
   * Drops the fallback chain's in-process copies of what an invalidation removes, before the
   * server is told (so not even a failed invalidation leaves them to answer later). A tag names
   * keys the process cannot list: every copy of this cache is dropped.
   */
  public forgetCopies(keys: readonly string[], tags: readonly string[], prefix: string | undefined): void {
    const pipeline = this.pipelineInUse;
    if (!pipeline) return;
    if (tags.length) {
      pipeline.forget(() => true);
      return;
    }
    for (const key of keys) pipeline.forget(key);
    if (prefix !== undefined) {
      const full = this.keyPrefix + prefix;
      pipeline.forget((key) => key.startsWith(full));
    }
  }
}
