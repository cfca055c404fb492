import { LRUCache } from 'lru-cache';
import type { Clock } from '../../kernel/clock.js';
import type { CacheDriver, DriverEntry } from '../driver.js';

/**
 * An entry: a string is the bare JSON of a plain entry of plain JSON without tags (stored text
 * `0j` + that JSON; {@link MemoryDriver.setJsonByKey}), read back with no marker to cut off;
 * anything else is the stored text and its tags.
 */
export type MemoryEntry = string | { readonly data: string; readonly tags: readonly string[] };

/** The envelope's and the JSON serializer's markers of plain JSON (see `entry-codec.ts`). */
const PLAIN_JSON_ENTRY = '0j';

const dataOf = (entry: MemoryEntry | undefined): string | undefined =>
  typeof entry === 'string' ? PLAIN_JSON_ENTRY + entry : entry?.data;

/** Options of {@link MemoryDriver}. */
export interface MemoryDriverOptions {
  /** Most entries kept; the least recently used goes first. */
  readonly maxItems: number;
  /** Expiry runs on this clock, so a test's `TestClock` expires entries. */
  readonly clock: Clock;
  /** Largest value accepted, in bytes (default: no limit). */
  readonly maxValueBytes?: number;
  /**
   * `cache.key_prefix`, which every key given to the driver begins with (default none). The LRU
   * holds keys without it, so that `stator.cache` reads and writes by the caller's key
   * ({@link MemoryDriver.getByKey}) without making the prefixed string.
   */
  readonly keyPrefix?: string;
}

/**
 * The in-process cache (the embedded default): an LRU bounded by `cache.max_items`, expiry on
 * the instance clock, and a tag index (tag → keys) kept in step with evictions, so tag and
 * prefix invalidation are exact. Nothing is shared between processes.
 */
export class MemoryDriver implements CacheDriver {
  public readonly name = 'memory';
  public readonly remote = false;
  public readonly timesOutItself = true;
  public readonly supportsPrefixInvalidation = true;
  public readonly maxValueBytes: number;
  /** See {@link MemoryDriverOptions.keyPrefix}. */
  public readonly keyPrefix: string;
  private readonly lru: LRUCache<string, MemoryEntry>;
  private readonly tagIndex = new Map<string, Set<string>>();

  public constructor(options: MemoryDriverOptions) {
    this.maxValueBytes = options.maxValueBytes ?? Number.POSITIVE_INFINITY;
    this.keyPrefix = options.keyPrefix ?? '';
    this.lru = new LRUCache<string, MemoryEntry>({
      max: options.maxItems,
      // +1: lru-cache treats a start time of 0 as "no start", and a TestClock starts at 0.
      perf: { now: () => options.clock.now() + 1 },
      // Read the clock on every check: the default caches it for 1 ms with a real timer.
      ttlResolution: 0,
      dispose: (entry, key) => {
        if (typeof entry !== 'string') this.unindex(key, entry.tags);
      },
    });
  }

  public async connect(): Promise<void> {}

  public async ping(): Promise<void> {}

  public async close(): Promise<void> {
    this.lru.clear();
    this.tagIndex.clear();
  }

  public async get(key: string): Promise<string | undefined> {
    return dataOf(this.lru.get(this.local(key)));
  }

  public getNow(key: string): string | undefined {
    return dataOf(this.lru.get(this.local(key)));
  }

  /** The entry of the caller's key (without {@link MemoryDriver.keyPrefix}), as stored: the hot path. */
  public entryByKey(key: string): MemoryEntry | undefined {
    return this.lru.get(key);
  }

  public setNow(key: string, data: string, ttlMs: number, tags: readonly string[]): void {
    this.store(this.local(key), data, ttlMs, tags);
  }

  /** {@link MemoryDriver.setNow} by the caller's key (without {@link MemoryDriver.keyPrefix}). */
  public setByKey(key: string, data: string, ttlMs: number, tags: readonly string[]): void {
    this.store(key, data, ttlMs, tags);
  }

  /**
   * Stores the entry `0j` + `json` (a plain entry of plain JSON) without tags under the caller's
   * key, as the bare JSON: the hot path.
   */
  public setJsonByKey(key: string, json: string, ttlMs: number): void {
    this.put(key, json, ttlMs);
  }

  public async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    return keys.map((key) => dataOf(this.lru.get(this.local(key))));
  }

  public async set(key: string, data: string, ttlMs: number, tags: readonly string[]): Promise<void> {
    this.store(this.local(key), data, ttlMs, tags);
  }

  public async setMany(entries: readonly DriverEntry[]): Promise<void> {
    for (const e of entries) this.store(this.local(e.key), e.data, e.ttlMs, e.tags);
  }

  public async delete(key: string): Promise<boolean> {
    return this.remove(this.local(key));
  }

  public async deleteMany(keys: readonly string[]): Promise<number> {
    let removed = 0;
    for (const key of keys) if (this.remove(this.local(key))) removed++;
    return removed;
  }

  public async invalidateTags(tags: readonly string[]): Promise<number> {
    let removed = 0;
    for (const tag of tags) {
      const keys = this.tagIndex.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) if (this.remove(key)) removed++;
      this.tagIndex.delete(tag);
    }
    return removed;
  }

  public async invalidatePrefix(prefix: string): Promise<number> {
    const local = this.local(prefix);
    let removed = 0;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(local) && this.remove(key)) removed++;
    }
    return removed;
  }

  public describe(): Readonly<Record<string, unknown>> {
    return { mode: 'memory', entries: this.lru.size, maxItems: this.lru.max, tags: this.tagIndex.size };
  }

  /** The LRU's key of a key given to the driver: without {@link MemoryDriver.keyPrefix}. */
  private local(key: string): string {
    const prefix = this.keyPrefix;
    return prefix === '' ? key : key.slice(prefix.length);
  }

  private store(key: string, data: string, ttlMs: number, tags: readonly string[]): void {
    // Setting over an entry disposes the old one first, which drops its old tags from the index.
    this.put(key, { data, tags }, ttlMs);
    for (const tag of tags) {
      let keys = this.tagIndex.get(tag);
      if (!keys) this.tagIndex.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  private put(key: string, entry: MemoryEntry, ttlMs: number): void {
    // No options without a TTL: the cache has no default TTL, and lru-cache writes into the object.
    if (ttlMs > 0) this.lru.set(key, entry, { ttl: ttlMs });
    else this.lru.set(key, entry);
  }

  /** Deletes `key`; true only when it held a live (unexpired) entry. */
  private remove(key: string): boolean {
    const live = this.lru.has(key);
    this.lru.delete(key);
    return live;
  }

  private unindex(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.tagIndex.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.tagIndex.delete(tag);
    }
  }
}
