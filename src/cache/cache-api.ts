import type { StatorConfig } from '../config/schema.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { Admission, Pipeline } from '../resilience/index.js';
import { RefusedCall } from './admission.js';
import { checkedKey, checkedTags, prefixedKey, PrefixedKeys } from './cache-keys.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheDriver, DriverEntry } from './driver.js';
import { MemoryDriver } from './drivers/memory-driver.js';
import { EntryCodec } from './entry-codec.js';
import { decodeEntry } from './envelope.js';
import { invalidateEntries } from './invalidation.js';
import { jsonSerializer } from './json-serializer.js';
import { LoadThrough } from './load-through.js';
import { RemoteCalls } from './remote-calls.js';
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

/** The options of a call that gave none (one object, not one per call). */
const NO_OPTIONS: Readonly<CacheSetOptions & CacheGetOrSetOptions> = Object.freeze({});

/**
 * The implementation of {@link StatorCache} over one {@link CacheDriver}, as a front over its
 * parts: keys and tags checked and prefixed (`cache-keys.ts`), values to stored entries and back
 * (`entry-codec.ts`), every remote call through the `cache` pipeline with `cache.timeout`
 * (`remote-calls.ts`), single-flight `getOrSet` with stale-while-revalidate (`load-through.ts`),
 * and invalidation (`invalidation.ts`). The hot paths (`get`, `set`) stay here, with one promise
 * per call.
 */
export class CacheApi implements StatorCache {
  private readonly driver: CacheDriver;
  /**
   * The driver when it is the memory driver keyed without this cache's prefix: `get` and `set`
   * then read and write by the caller's key, with no prefixed string.
   */
  private readonly memory: MemoryDriver | undefined;
  private readonly metrics: CacheMetrics;
  private readonly random: () => number;
  private readonly config: StatorConfig['cache'];
  private readonly keyPrefix: string;
  /** Prefixed forms of recent keys, for `get` and `set`. */
  private readonly keys: PrefixedKeys;
  private readonly codec: EntryCodec;
  private readonly remote: RemoteCalls;
  private readonly loads: LoadThrough;

  public constructor(
    private readonly ctx: RuntimeContext,
    options: CacheApiOptions,
  ) {
    this.driver = options.driver;
    const driver = options.driver;
    this.memory =
      driver instanceof MemoryDriver && driver.keyPrefix === ctx.config.cache.key_prefix ? driver : undefined;
    this.metrics = options.metrics;
    this.random = options.random ?? Math.random;
    this.config = ctx.config.cache;
    this.keyPrefix = this.config.key_prefix;
    this.keys = new PrefixedKeys(this.keyPrefix);
    const timeoutMs = Math.round(this.config.timeout * 1000);
    this.codec = new EntryCodec(
      options.serializer ?? jsonSerializer,
      options.driver.maxValueBytes,
      this.metrics,
      ctx.clock,
      ctx.logger,
    );
    this.remote = new RemoteCalls(options.driver, this.metrics, ctx.clock, timeoutMs, this.keyPrefix, options.pipeline);
    this.loads = new LoadThrough(ctx, options.driver, this.remote, this.codec, this.metrics, this.random);
  }

  /**
   * Sets the pipeline remote calls go through (the layer does, when it starts). Until then a
   * remote driver's reads miss and its writes fail with `CacheUnavailableError`.
   */
  public usePipeline(pipeline: Pipeline | undefined): void {
    this.remote.usePipeline(pipeline);
  }

  public get<T = unknown>(key: string): Promise<T | undefined> {
    const memory = this.memory;
    const driver = this.driver;
    if (memory === undefined && driver.getNow === undefined) return this.getRemote<T>(key);
    // The memory driver answers at once: no await, and the call is timed on a sample (SampledTimer).
    const timer = this.metrics.syncGet;
    const started = timer.start();
    let value: T | undefined;
    try {
      if (memory === undefined) value = this.codec.freshValue<T>(key, driver.getNow?.(this.keys.of(key)));
      else {
        // A string is the bare JSON of a plain entry: parsed as is.
        const entry = memory.entryByKey(checkedKey(key));
        value =
          typeof entry === 'string'
            ? this.codec.plainJsonValue<T>(key, entry)
            : this.codec.freshValue<T>(key, entry?.data);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    timer.end(started);
    return Promise.resolve(value);
  }

  /** {@link CacheApi.get} on a remote driver: through the pipeline, timed on every call. */
  private async getRemote<T>(key: string): Promise<T | undefined> {
    const started = performance.now();
    const full = this.keys.of(key);
    const driver = this.driver;
    const remote = this.remote;
    let text: string | null | undefined;
    // RemoteCalls.read inlined: the driver's promise is the only one awaited on the hottest path.
    const call = remote.admit('get');
    if (call === undefined) text = (await remote.readThrough('get', full)).text;
    else if (call instanceof RefusedCall) text = await remote.fallbackText('get', full, call.error);
    else {
      try {
        text = await remote.bounded('get', driver.get(full));
        call.readSucceeded(full, text);
      } catch (error) {
        call.failed(error);
        text = await remote.fallbackText('get', full, error);
      }
    }
    const value = this.codec.freshValue<T>(key, text);
    this.metrics.time('get', started);
    return value;
  }

  public async has(key: string): Promise<boolean> {
    const started = performance.now();
    const full = prefixedKey(this.keyPrefix, key);
    const { text } = await this.remote.read('has', full);
    const entry = text == null ? undefined : decodeEntry(text);
    const found = entry !== undefined && !entry.negative && !this.codec.isStale(entry);
    this.metrics.time('has', started);
    return found;
  }

  public set<T>(key: string, value: T, options: CacheSetOptions = NO_OPTIONS): Promise<void> {
    const memory = this.memory;
    const driver = this.driver;
    if (memory === undefined && driver.setNow === undefined) return this.setRemote(key, value, options);
    // The memory driver stores at once: the call is timed on a sample (SampledTimer).
    const timer = this.metrics.syncSet;
    const started = timer.start();
    try {
      if (memory !== undefined) {
        checkedKey(key);
        const tags = checkedTags(options.tags);
        const json = tags.length === 0 ? this.codec.plainJsonOf(key, value) : undefined;
        if (json !== undefined) memory.setJsonByKey(key, json, this.ttlMs(options.ttl));
        else {
          const data = tags.length === 0 ? this.codec.encodeTagged(key, value) : this.codec.encode(key, value);
          memory.setByKey(key, data, this.ttlMs(options.ttl), tags);
        }
      } else {
        const full = this.keys.of(key);
        const tags = checkedTags(options.tags);
        driver.setNow?.(full, this.codec.encode(key, value), this.ttlMs(options.ttl), tags);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    timer.end(started);
    return Promise.resolve();
  }

  /** The stored TTL (ms, jittered) of a call's `ttl` option in seconds (default `cache.default_ttl`). */
  private ttlMs(ttl: number | undefined): number {
    return ttlWithJitter(ttl ?? this.config.default_ttl, this.config.ttl_jitter, this.random);
  }

  /** {@link CacheApi.set} on a remote driver: through the pipeline, timed on every call. */
  private setRemote<T>(key: string, value: T, options: CacheSetOptions): Promise<void> {
    const started = performance.now();
    let full: string;
    let tags: readonly string[];
    let data: string;
    let ttlMs: number;
    try {
      full = this.keys.of(key);
      tags = checkedTags(options.tags);
      data = this.codec.encode(key, value);
      ttlMs = this.ttlMs(options.ttl);
    } catch (error) {
      return Promise.reject(error);
    }
    const driver = this.driver;
    const remote = this.remote;
    const call = remote.admit('set');
    if (call === undefined || call instanceof RefusedCall || !driver.setWith || remote.deadlines)
      return this.setAdmitted(call, started, full, data, ttlMs, tags);
    // The hot path: the driver reports to a callback, and this promise is the only one of the call.
    return new Promise<void>((resolve, reject) => {
      (driver.setWith as NonNullable<CacheDriver['setWith']>)(full, data, ttlMs, tags, (error) => {
        if (error === null) {
          call.succeeded();
          remote.remember(full, data);
          this.metrics.time('set', started);
          resolve();
          return;
        }
        call.failed(error);
        try {
          reject(remote.writeFailed('set', error));
        } finally {
          this.metrics.time('set', started);
        }
      });
    });
  }

  /** The rest of {@link CacheApi.set} once the entry is built, for drivers without `setWith` or calls the pipeline did not admit at once. */
  private async setAdmitted(
    call: Admission | RefusedCall | undefined,
    started: number,
    full: string,
    data: string,
    ttlMs: number,
    tags: readonly string[],
  ): Promise<void> {
    try {
      await this.remote.write('set', () => this.driver.set(full, data, ttlMs, tags), call);
    } finally {
      this.metrics.time('set', started);
    }
    this.remote.remember(full, data);
  }

  public async delete(key: string): Promise<boolean> {
    const started = performance.now();
    const full = prefixedKey(this.keyPrefix, key);
    this.loads.overtaken();
    this.remote.forget(full);
    try {
      return await this.remote.write('delete', () => this.driver.delete(full));
    } finally {
      this.metrics.time('delete', started);
    }
  }

  public async getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const started = performance.now();
    const texts = await this.remote.getMany(keys.map((k) => prefixedKey(this.keyPrefix, k)));
    const values = keys.map((key, i) => this.codec.freshValue<T>(key, texts[i]));
    this.metrics.time('getMany', started);
    return values;
  }

  public async setMany<T>(
    entries: readonly CacheEntryInput<T>[],
    options: CacheSetOptions = NO_OPTIONS,
  ): Promise<void> {
    const started = performance.now();
    const prepared: DriverEntry[] = entries.map((e) => ({
      key: prefixedKey(this.keyPrefix, e.key),
      data: this.codec.encode(e.key, e.value),
      ttlMs: ttlWithJitter(e.ttl ?? options.ttl ?? this.config.default_ttl, this.config.ttl_jitter, this.random),
      tags: checkedTags(e.tags ?? options.tags),
    }));
    if (prepared.length === 0) return;
    try {
      await this.remote.write('setMany', () => this.driver.setMany(prepared));
    } finally {
      this.metrics.time('setMany', started);
    }
    for (const entry of prepared) this.remote.remember(entry.key, entry.data);
  }

  public async getOrSet<T>(
    key: string,
    loader: CacheLoader<T>,
    options: CacheGetOrSetOptions = NO_OPTIONS,
  ): Promise<T> {
    const full = prefixedKey(this.keyPrefix, key);
    const tags = checkedTags(options.tags);
    return this.loads.run(key, full, loader, options, tags);
  }

  public invalidate(target: CacheInvalidation): Promise<CacheInvalidationResult> {
    const { ctx, driver, remote, metrics, keyPrefix, loads } = this;
    return invalidateEntries({ ctx, driver, remote, metrics, keyPrefix, overtaken: () => loads.overtaken() }, target);
  }
}
