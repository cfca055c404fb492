import type { StatorConfig } from '../config/schema.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheDriver } from './driver.js';
import type { EntryCodec } from './entry-codec.js';
import { decodeEntry, encodeEntry } from './envelope.js';
import type { RemoteCalls } from './remote-calls.js';
import { SingleFlight } from './single-flight.js';
import { ttlWithJitter } from './ttl.js';
import type { CacheGetOrSetOptions, CacheLoader } from './types.js';

/**
 * `getOrSet`: one load per key at a time (single flight), the loader's answer stored with TTL
 * jitter (or a negative entry for "absent"), stale-while-revalidate served while one background
 * refresh runs, and no write-back of a load that a delete or an invalidation overtook.
 */
export class LoadThrough {
  private readonly flights = new SingleFlight<unknown>();
  private readonly refreshes = new SingleFlight<unknown>();
  /** Bumped by every delete/invalidation: a load that started before must not write back. */
  private generation = 0;
  private readonly config: StatorConfig['cache'];

  public constructor(
    private readonly ctx: RuntimeContext,
    private readonly driver: CacheDriver,
    private readonly remote: RemoteCalls,
    private readonly codec: EntryCodec,
    private readonly metrics: CacheMetrics,
    private readonly random: () => number,
  ) {
    this.config = ctx.config.cache;
  }

  /** Called by deletes and invalidations: loads in flight must not write their value back. */
  public overtaken(): void {
    this.generation++;
  }

  public run<T>(
    key: string,
    full: string,
    loader: CacheLoader<T>,
    options: CacheGetOrSetOptions,
    tags: readonly string[],
  ): Promise<T> {
    return this.flights.run(full, () => this.load(key, full, loader, options, tags)) as Promise<T>;
  }

  private async load<T>(
    key: string,
    full: string,
    loader: CacheLoader<T>,
    options: CacheGetOrSetOptions,
    tags: readonly string[],
  ): Promise<T> {
    const started = performance.now();
    const { text, fromCache } = await this.remote.read('getOrSet', full);
    const entry = text == null ? undefined : decodeEntry(text);
    // A fallback copy is not served here: with the cache down, the loader answers.
    if (entry && fromCache) {
      const decoded = entry.negative ? { value: undefined } : this.codec.deserialize(key, entry);
      if (decoded) {
        this.metrics.hits++;
        // Negative entries carry no soft expiry, so only a value can be stale.
        if (this.codec.isStale(entry)) {
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
      if (fromCache && generation === this.generation) await this.store(key, full, value, options, tags);
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
        if (generation === this.generation) await this.store(key, full, value, options, tags);
      })
      .catch((error: unknown) => {
        this.ctx.logger.warn(`cache: background refresh of "${key}" failed; the stale value stays until it expires`, {
          error,
        });
      });
  }

  /** Writes a loader's result (or its absence); a failed write is logged, never thrown. */
  private async store(
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
      const payload = this.codec.serialize(key, value);
      if (freshMs > 0 && swr > 0) {
        ttlMs = freshMs + Math.round(swr * 1000);
        data = encodeEntry(payload, { softExpiresAt: this.ctx.clock.now() + freshMs });
      } else {
        ttlMs = freshMs;
        data = encodeEntry(payload);
      }
      this.codec.checkSize(key, data);
    }
    try {
      await this.remote.write('set', () => this.driver.set(full, data, ttlMs, tags));
      this.remote.remember(full, data);
    } catch (error) {
      this.ctx.logger.debug(`cache: could not store the loaded value of "${key}"`, { error });
    }
  }
}
