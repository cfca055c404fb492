import type { StatorConfig } from '../config/schema.js';
import { CacheInvalidationUnsupportedError } from '../errors/cache-invalidation-unsupported-error.js';
import { CacheKeyInvalidError } from '../errors/cache-key-invalid-error.js';
import { CacheUnavailableError } from '../errors/cache-unavailable-error.js';
import { CacheValueNotSerializableError } from '../errors/cache-value-not-serializable-error.js';
import { CacheValueTooLargeError } from '../errors/cache-value-too-large-error.js';
import { isStatorError } from '../errors/stator-error.js';
import { classifyError, type Admission, type Pipeline, type ReadOptions, type RunOptions } from '../resilience/index.js';
import type { RuntimeContext } from '../kernel/context.js';
import { admitCall, Refused } from './admission.js';
import type { CacheMetrics, CacheOperation } from './cache-metrics.js';
import type { CacheDriver, DriverEntry } from './driver.js';
import { DeadlineQueue } from './deadline-queue.js';
import { decodeEntry, encodeEntry, type DecodedEntry } from './envelope.js';
import { jsonSerializer } from './json-serializer.js';
import { SingleFlight } from './single-flight.js';
import { ttlWithJitter } from './ttl.js';
import type {
  CacheEntryInput,
  CacheGetOrSetOptions,
  CacheInvalidation,
  CacheInvalidationResult,
  CacheLoader,
  CacheSerializer,
  CacheSetOptions,
  StatorCache,
} from './types.js';

/** What {@link CacheApi} is built from. */
export interface CacheApiOptions {
  readonly driver: CacheDriver;
  /**
   * The recovery pipeline of the `cache` resource (breaker, timeout, fallback chain) that remote
   * calls go through (see {@link CacheApi.usePipeline}). The memory driver cannot fail or hang
   * and is called directly.
   */
  readonly pipeline?: Pipeline;
  readonly metrics: CacheMetrics;
  /** Default {@link jsonSerializer}. */
  readonly serializer?: CacheSerializer;
  /** For TTL jitter; tests pass a fixed one. Default `Math.random`. */
  readonly random?: () => number;
}

/** What one read of the driver produced, through the pipeline or not. */
interface ReadResult {
  /** The stored text, when the cache (or a fallback) had one. */
  readonly text: string | null | undefined;
  /** True when the cache itself answered; false when the fallback chain did (the cache is down). */
  readonly fromCache: boolean;
}

const NO_TAGS: readonly string[] = [];
/** The options of a call that gave none (one object, not one per call). */
const NO_OPTIONS: Readonly<CacheSetOptions & CacheGetOrSetOptions> = Object.freeze({});

/**
 * The implementation of {@link StatorCache} over one {@link CacheDriver}: keys and tags
 * checked and prefixed, values serialized into an entry envelope (soft expiry, negative
 * entries), TTL jitter, single-flight `getOrSet`, stale-while-revalidate, invalidation events,
 * and every remote call through the `cache` pipeline with `cache.timeout` per call.
 */
export class CacheApi implements StatorCache {
  private readonly driver: CacheDriver;
  private pipeline: Pipeline | undefined;
  private readonly metrics: CacheMetrics;
  private readonly serializer: CacheSerializer;
  private readonly random: () => number;
  private readonly config: StatorConfig['cache'];
  private readonly keyPrefix: string;
  /** Bounds each driver call by `cache.timeout` when the driver does not bound it itself. */
  private readonly deadlines: DeadlineQueue | undefined;
  /** Options of every read through the pipeline (one object, not one per call). */
  private readonly readOptions: ReadOptions<string | null | undefined>;
  private readonly runOptions: RunOptions;
  private readonly timeoutMs: number;
  private readonly flights = new SingleFlight<unknown>();
  private readonly refreshes = new SingleFlight<unknown>();
  /** True with the default serializer, whose plain entries the hot path reads directly. */
  private readonly plainJson: boolean;
  /** Bumped by every delete/invalidation: a load that started before must not write back. */
  private generation = 0;

  public constructor(
    private readonly ctx: RuntimeContext,
    options: CacheApiOptions,
  ) {
    this.driver = options.driver;
    this.pipeline = options.driver.remote ? options.pipeline : undefined;
    this.metrics = options.metrics;
    this.serializer = options.serializer ?? jsonSerializer;
    this.plainJson = this.serializer === jsonSerializer;
    this.random = options.random ?? Math.random;
    this.config = ctx.config.cache;
    this.keyPrefix = this.config.key_prefix;
    this.timeoutMs = Math.round(this.config.timeout * 1000);
    // A timer and an AbortSignal per call (the pipeline's per-attempt timeout) cost more than a
    // local round trip's own processing: the built-in drivers bound their calls themselves with
    // one shared timer; a driver that does not is bounded here the same way.
    this.deadlines =
      options.driver.remote && !options.driver.timesOutItself && this.timeoutMs > 0
        ? new DeadlineQueue(ctx.clock, 'cache', this.timeoutMs)
        : undefined;
    this.readOptions = { retry: false, timeoutMs: 0, default: { value: undefined } };
    this.runOptions = { retry: false, timeoutMs: 0 };
  }

  /**
   * Sets the pipeline remote calls go through (the layer does, when it starts). Until then a
   * remote driver's reads miss and its writes fail with `CacheUnavailableError`.
   */
  public usePipeline(pipeline: Pipeline | undefined): void {
    if (this.driver.remote) this.pipeline = pipeline;
  }

  public async get<T = unknown>(key: string): Promise<T | undefined> {
    const started = performance.now();
    const full = this.fullKey(key);
    const driver = this.driver;
    let text: string | null | undefined;
    if (driver.getNow) {
      text = driver.getNow(full);
    } else {
      // read() inlined: the driver's promise is the only one awaited on the hottest path.
      const call = admitCall(this.pipeline, 'get');
      if (call === undefined) text = (await this.readThrough('get', full)).text;
      else if (call instanceof Refused) text = await this.fallbackText('get', full, call.error);
      else {
        try {
          text = await this.bounded('get', driver.get(full));
          call.readSucceeded(full, text);
        } catch (error) {
          call.failed(error);
          text = await this.fallbackText('get', full, error);
        }
      }
    }
    const value = this.freshValue<T>(key, text);
    this.metrics.time('get', started);
    return value;
  }

  public async has(key: string): Promise<boolean> {
    const started = performance.now();
    const full = this.fullKey(key);
    const { text } = await this.read('has', full);
    const entry = text == null ? undefined : decodeEntry(text);
    const found = entry !== undefined && !entry.negative && !this.isStale(entry);
    this.metrics.time('has', started);
    return found;
  }

  public set<T>(key: string, value: T, options: CacheSetOptions = NO_OPTIONS): Promise<void> {
    const started = performance.now();
    let full: string;
    let tags: readonly string[];
    let data: string;
    let ttlMs: number;
    try {
      full = this.fullKey(key);
      tags = this.checkTags(options.tags);
      data = this.checkSize(key, encodeEntry(this.serialize(key, value)));
      ttlMs = ttlWithJitter(options.ttl ?? this.config.default_ttl, this.config.ttl_jitter, this.random);
    } catch (error) {
      return Promise.reject(error);
    }
    const driver = this.driver;
    if (driver.setNow) {
      try {
        driver.setNow(full, data, ttlMs, tags);
      } catch (error) {
        return Promise.reject(error);
      }
      this.metrics.time('set', started);
      return Promise.resolve();
    }
    const call = admitCall(this.pipeline, 'set');
    if (call === undefined || call instanceof Refused || !driver.setWith || this.deadlines) return this.setAdmitted(call, started, full, data, ttlMs, tags);
    // The hot path: the driver reports to a callback, and this promise is the only one of the call.
    return new Promise<void>((resolve, reject) => {
      (driver.setWith as NonNullable<CacheDriver['setWith']>)(full, data, ttlMs, tags, (error) => {
        if (error === null) {
          call.succeeded();
          this.remember(full, data);
          this.metrics.time('set', started);
          resolve();
          return;
        }
        call.failed(error);
        try {
          reject(this.writeFailed('set', error));
        } finally {
          this.metrics.time('set', started);
        }
      });
    });
  }

  /** The rest of {@link CacheApi.set} once the entry is built, for drivers without `setWith` or calls the pipeline did not admit at once. */
  private async setAdmitted(
    call: Admission | Refused | undefined,
    started: number,
    full: string,
    data: string,
    ttlMs: number,
    tags: readonly string[],
  ): Promise<void> {
    try {
      await this.write('set', () => this.driver.set(full, data, ttlMs, tags), call);
    } finally {
      this.metrics.time('set', started);
    }
    this.remember(full, data);
  }

  public async delete(key: string): Promise<boolean> {
    const started = performance.now();
    const full = this.fullKey(key);
    this.generation++;
    // Deleted for the service even if the server cannot be told now: no fallback answers with it.
    this.pipeline?.forget(full);
    try {
      return await this.write('delete', () => this.driver.delete(full));
    } finally {
      this.metrics.time('delete', started);
    }
  }

  public async getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const started = performance.now();
    const fulls = keys.map((k) => this.fullKey(k));
    let texts: ReadonlyArray<string | null | undefined>;
    if (fulls.length === 0) {
      texts = [];
    } else if (!this.driver.remote) {
      texts = await this.driver.getMany(fulls);
    } else if (!this.pipeline) {
      this.metrics.fallbacks.default++;
      texts = fulls.map(() => undefined);
    } else {
      try {
        texts = await this.pipeline.run('getMany', () => this.bounded('getMany', this.driver.getMany(fulls)), this.runOptions);
      } catch (error) {
        this.recordFailure(error);
        this.metrics.fallbacks.default++;
        texts = fulls.map(() => undefined);
      }
    }
    const values = keys.map((key, i) => this.freshValue<T>(key, texts[i]));
    this.metrics.time('getMany', started);
    return values;
  }

  public async setMany<T>(entries: readonly CacheEntryInput<T>[], options: CacheSetOptions = NO_OPTIONS): Promise<void> {
    const started = performance.now();
    const prepared: DriverEntry[] = entries.map((e) => ({
      key: this.fullKey(e.key),
      data: this.checkSize(e.key, encodeEntry(this.serialize(e.key, e.value))),
      ttlMs: ttlWithJitter(e.ttl ?? options.ttl ?? this.config.default_ttl, this.config.ttl_jitter, this.random),
      tags: this.checkTags(e.tags ?? options.tags),
    }));
    if (prepared.length === 0) return;
    try {
      await this.write('setMany', () => this.driver.setMany(prepared));
    } finally {
      this.metrics.time('setMany', started);
    }
    for (const entry of prepared) this.remember(entry.key, entry.data);
  }

  public async getOrSet<T>(key: string, loader: CacheLoader<T>, options: CacheGetOrSetOptions = NO_OPTIONS): Promise<T> {
    const full = this.fullKey(key);
    const tags = this.checkTags(options.tags);
    return (await this.flights.run(full, () => this.loadThrough(key, full, loader, options, tags))) as T;
  }

  public async invalidate(target: CacheInvalidation): Promise<CacheInvalidationResult> {
    const started = performance.now();
    const keys = target.keys?.map((k) => this.fullKey(k)) ?? [];
    const tags = target.tags ? this.checkTags(target.tags) : NO_TAGS;
    const prefix = target.prefix;
    if (prefix !== undefined) {
      if (typeof prefix !== 'string' || (prefix === '' && this.keyPrefix === '')) {
        throw new CacheKeyInvalidError('prefix', prefix === '' ? 'an empty prefix with no cache.key_prefix (that would be every key of the server)' : typeof prefix);
      }
      if (!this.driver.supportsPrefixInvalidation) {
        this.metrics.error('invalid-input');
        throw new CacheInvalidationUnsupportedError(this.driver.name, 'prefix');
      }
    }
    if (keys.length === 0 && tags.length === 0 && prefix === undefined) {
      throw new CacheKeyInvalidError('key', 'an invalidation naming no keys, tags or prefix');
    }
    this.generation++;
    this.forgetCopies(keys, tags, prefix);
    let removed: number | undefined = 0;
    const add = (n: number | undefined): void => {
      removed = removed === undefined || n === undefined ? undefined : removed + n;
    };
    try {
      if (keys.length) {
        this.metrics.invalidations.keys++;
        add(await this.write('invalidate', () => this.driver.deleteMany(keys)));
      }
      if (tags.length) {
        this.metrics.invalidations.tags++;
        add(await this.write('invalidate', () => this.driver.invalidateTags(tags)));
      }
      if (prefix !== undefined) {
        this.metrics.invalidations.prefix++;
        add(await this.write('invalidate', () => this.driver.invalidatePrefix(this.keyPrefix + prefix)));
      }
    } finally {
      this.metrics.time('invalidate', started);
    }
    this.ctx.events.emit('cache', 'cache.invalidated', {
      driver: this.driver.name,
      ...(target.keys?.length ? { keys: [...target.keys] } : {}),
      ...(tags.length ? { tags: [...tags] } : {}),
      ...(prefix !== undefined ? { prefix } : {}),
      removed: removed ?? null,
    });
    return { removed };
  }

  // --- getOrSet ---------------------------------------------------------------------------

  private async loadThrough<T>(
    key: string,
    full: string,
    loader: CacheLoader<T>,
    options: CacheGetOrSetOptions,
    tags: readonly string[],
  ): Promise<T> {
    const started = performance.now();
    const { text, fromCache } = await this.read('getOrSet', full);
    const entry = text == null ? undefined : decodeEntry(text);
    // A fallback copy is not served here: with the cache down, the loader answers.
    if (entry && fromCache) {
      const decoded = entry.negative ? { value: undefined } : this.deserialize(key, entry);
      if (decoded) {
        this.metrics.hits++;
        // Negative entries carry no soft expiry, so only a value can be stale.
        if (this.isStale(entry)) {
          this.metrics.staleServed++;
          void this.refreshInBackground(key, full, loader, options, tags);
        }
        this.metrics.time('getOrSet', started);
        return decoded.value as T;
      }
    }
    this.metrics.misses++;
    const generation = this.generation;
    this.metrics.loaderCalls++;
    try {
      const value = await loader({ key, refresh: false });
      // Down: the loader's answer goes straight back; writing would only wait for a timeout.
      if (fromCache && generation === this.generation) await this.storeLoaded(key, full, value, options, tags);
      return value;
    } finally {
      this.metrics.time('getOrSet', started);
    }
  }

  private refreshInBackground<T>(
    key: string,
    full: string,
    loader: CacheLoader<T>,
    options: CacheGetOrSetOptions,
    tags: readonly string[],
  ): Promise<unknown> {
    if (this.refreshes.has(full)) return Promise.resolve();
    return this.refreshes
      .run(full, async () => {
        const generation = this.generation;
        this.metrics.loaderCalls++;
        const value = await loader({ key, refresh: true });
        if (generation === this.generation) await this.storeLoaded(key, full, value, options, tags);
      })
      .catch((error: unknown) => {
        this.ctx.logger.warn(`cache: background refresh of "${key}" failed; the stale value stays until it expires`, { error });
      });
  }

  /** Writes a loader's result (or its absence); a failed write is logged, never thrown. */
  private async storeLoaded(
    key: string,
    full: string,
    value: unknown,
    options: CacheGetOrSetOptions,
    tags: readonly string[],
  ): Promise<void> {
    let data: string;
    let ttlMs: number;
    if (value === undefined) {
      const negativeTtl = options.negativeTtl ?? this.config.negative_ttl;
      if (!(negativeTtl > 0)) return;
      ttlMs = ttlWithJitter(negativeTtl, this.config.ttl_jitter, this.random);
      data = encodeEntry('', { negative: true });
    } else {
      const ttl = options.ttl ?? this.config.default_ttl;
      const swr = options.staleWhileRevalidate ?? 0;
      const freshMs = ttlWithJitter(ttl, this.config.ttl_jitter, this.random);
      const payload = this.serialize(key, value);
      if (freshMs > 0 && swr > 0) {
        ttlMs = freshMs + Math.round(swr * 1000);
        data = encodeEntry(payload, { softExpiresAt: this.ctx.clock.now() + freshMs });
      } else {
        ttlMs = freshMs;
        data = encodeEntry(payload);
      }
      this.checkSize(key, data);
    }
    try {
      await this.write('set', () => this.driver.set(full, data, ttlMs, tags));
      this.remember(full, data);
    } catch (error) {
      this.ctx.logger.debug(`cache: could not store the loaded value of "${key}"`, { error });
    }
  }

  // --- reads and writes through the pipeline -----------------------------------------------

  /** After a write that succeeded: the fallback chain's copy of `full` is what was written. */
  private remember(full: string, data: string): void {
    this.pipeline?.remember(full, data);
  }

  /**
   * Drops the fallback chain's in-process copies of what an invalidation removes, before the
   * server is told (so not even a failed invalidation leaves them to answer later). A tag names
   * keys the process cannot list: every copy of this cache is dropped.
   */
  private forgetCopies(keys: readonly string[], tags: readonly string[], prefix: string | undefined): void {
    const pipeline = this.pipeline;
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

  private async read(operation: CacheOperation, full: string): Promise<ReadResult> {
    if (!this.driver.remote) return { text: await this.driver.get(full), fromCache: true };
    const call = admitCall(this.pipeline, operation);
    if (call === undefined) return this.readThrough(operation, full);
    if (call instanceof Refused) return { text: await this.fallbackText(operation, full, call.error), fromCache: false };
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

  /** {@link CacheApi.read} through `Pipeline.read`, for a pipeline that cannot admit synchronously (or none). */
  private async readThrough(operation: CacheOperation, full: string): Promise<ReadResult> {
    if (!this.pipeline) {
      this.metrics.fallbacks.default++;
      return { text: undefined, fromCache: false };
    }
    try {
      const served = await this.pipeline.read(operation, full, () => this.bounded(operation, this.driver.get(full)), this.readOptions);
      if (served.source === 'primary') return { text: served.value, fromCache: true };
      this.noteFallback(served.source, served.error);
      return { text: served.value, fromCache: false };
    } catch (error) {
      this.noteFallback('default', error);
      return { text: undefined, fromCache: false };
    }
  }

  /** What the fallback chain answers for a read of `full` that failed (or was refused) with `error`. */
  private async fallbackText(operation: CacheOperation, full: string, error: unknown): Promise<string | null | undefined> {
    try {
      const served = await (this.pipeline as Pipeline).recover(operation, full, error, this.readOptions);
      this.noteFallback(served.source, served.error);
      return served.value;
    } catch (final) {
      this.noteFallback('default', final);
      return undefined;
    }
  }

  /** `promise`, bounded by `cache.timeout` when the driver's client does not bound it. */
  private bounded<T>(operation: string, promise: Promise<T>): Promise<T> {
    return this.deadlines ? this.deadlines.run(operation, promise) : promise;
  }

  /** Counts a read the fallback chain answered (or nobody did), and why. */
  private noteFallback(source: string, error: unknown): void {
    this.recordFailure(error);
    this.metrics.fallbacks[source === 'local' || source === 'cache' ? 'local' : 'default']++;
  }

  /** `fn` through the pipeline; `call` when the caller already let it in ({@link admitCall}). */
  private async write<R>(
    operation: CacheOperation,
    fn: () => Promise<R>,
    call: Admission | Refused | undefined = admitCall(this.pipeline, operation),
  ): Promise<R> {
    if (!this.driver.remote) return fn();
    let result: R;
    try {
      if (call === undefined) return await this.writeThrough(operation, fn);
      if (call instanceof Refused) throw call.error;
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
    if (!this.pipeline) return Promise.reject(new CacheUnavailableError(operation, 'the cache layer is not started'));
    return this.pipeline.run(operation, () => this.bounded(operation, fn()), this.runOptions);
  }

  /**
   * The error a failed write rejects with: `CacheUnavailableError` (cause attached) when the
   * cache could not be reached, the error itself when it is the caller's (a Redis WRONGTYPE).
   */
  private writeFailed(operation: CacheOperation, error: unknown): unknown {
    if (isStatorError(error) && error.code.startsWith('CACHE_')) return error;
    const { kind, countsAsFailure, fallbackAllowed } = classifyError(error);
    this.metrics.error(kind);
    if (!countsAsFailure && !fallbackAllowed) return error;
    const reason = kind === 'circuit-open' ? 'the cache circuit breaker is open' : kind === 'timeout' ? `no answer within ${this.timeoutMs} ms` : kind;
    return new CacheUnavailableError(operation, reason, { cause: error });
  }

  private recordFailure(error: unknown): void {
    if (error !== undefined) this.metrics.error(classifyError(error).kind);
  }

  // --- values ----------------------------------------------------------------------------

  /** The value of a stored text when it is fresh and not negative; counts the hit or miss. */
  private freshValue<T>(key: string, text: string | null | undefined): T | undefined {
    // The hot path: a plain entry written by the default serializer is bare JSON after two
    // marker characters ("0j"), read with one JSON.parse and no intermediate object.
    if (this.plainJson && text != null && text.charCodeAt(0) === 48 && text.charCodeAt(1) === 106) {
      try {
        const value = JSON.parse(text.slice(2)) as T;
        this.metrics.hits++;
        return value;
      } catch {
        // Fall through to the general path, which logs and counts it.
      }
    }
    if (text != null) {
      const entry = decodeEntry(text);
      if (entry && !entry.negative && !this.isStale(entry)) {
        const decoded = this.deserialize(key, entry);
        if (decoded) {
          this.metrics.hits++;
          return decoded.value as T;
        }
      }
    }
    this.metrics.misses++;
    return undefined;
  }

  private isStale(entry: DecodedEntry): boolean {
    return entry.softExpiresAt !== undefined && this.ctx.clock.now() >= entry.softExpiresAt;
  }

  private serialize(key: string, value: unknown): string {
    try {
      return this.serializer.serialize(value);
    } catch (error) {
      this.metrics.error('invalid-input');
      throw new CacheValueNotSerializableError(key, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  /** The deserialized value, or undefined (logged, counted as a miss) when it cannot be read. */
  private deserialize(key: string, entry: DecodedEntry): { value: unknown } | undefined {
    try {
      return { value: this.serializer.deserialize(entry.payload) };
    } catch (error) {
      this.metrics.error('invalid-input');
      this.ctx.logger.warn(`cache: the entry of "${key}" cannot be read with the configured serializer; treated as a miss`, { error });
      return undefined;
    }
  }

  private checkSize(key: string, data: string): string {
    const limit = this.driver.maxValueBytes;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: skip the exact count when it cannot matter.
    if (data.length * 3 <= limit) return data;
    const bytes = Buffer.byteLength(data, 'utf8');
    if (bytes > limit) {
      this.metrics.error('invalid-input');
      throw new CacheValueTooLargeError(key, bytes, limit);
    }
    return data;
  }

  private fullKey(key: string): string {
    if (typeof key !== 'string' || key.length === 0) {
      throw new CacheKeyInvalidError('key', typeof key === 'string' ? 'an empty string' : typeof key);
    }
    return this.keyPrefix + key;
  }

  private checkTags(tags: readonly string[] | undefined): readonly string[] {
    if (!tags || tags.length === 0) return NO_TAGS;
    for (const tag of tags) {
      if (typeof tag !== 'string' || tag.length === 0) {
        throw new CacheKeyInvalidError('tag', typeof tag === 'string' ? 'an empty string' : typeof tag);
      }
    }
    return tags;
  }
}
