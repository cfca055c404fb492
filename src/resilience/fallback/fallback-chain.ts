import { LRUCache } from 'lru-cache';
import { classifyError } from '../detector/classify-error.js';
import type { FallbackStore, Served, ServedSource } from './fallback-store.js';

/** A fallback strategy's name, as in `error_handling.fallback.strategies`. */
export type FallbackStrategy = 'cache' | 'local' | 'default';

/** Counts of the chain, read by the metrics collector. */
export interface FallbackCounts {
  /** Reads answered, by source. */
  readonly served: Record<Exclude<ServedSource, 'primary'>, number>;
  /** Failed reads no strategy could answer. */
  missed: number;
  /** Failed writes of last good values to the fallback store. */
  storeErrors: number;
}

/** Wraps a value so that a remembered `undefined` is told apart from nothing remembered. */
interface Boxed {
  readonly value: unknown;
}

/**
 * The fallback chain of one resource: remembers the last good value of each read (in process,
 * LRU-bounded, and in the {@link FallbackStore} when one is wired) and, when a read fails in a
 * way that allows it, answers from the configured strategies in order.
 *
 * Keys in the store are `fallback:<resource>:<key>`; the cache layer adds its own prefix.
 */
export class FallbackChain {
  public readonly counts: FallbackCounts = { served: { cache: 0, local: 0, default: 0 }, missed: 0, storeErrors: 0 };
  private readonly local: LRUCache<string, Boxed> | undefined;
  private readonly useStore: boolean;

  public constructor(
    private readonly resource: string,
    private readonly enabled: boolean,
    private readonly strategies: readonly FallbackStrategy[],
    localMaxItems: number,
    private readonly store: () => FallbackStore | undefined,
  ) {
    this.local =
      enabled && strategies.includes('local') ? new LRUCache<string, Boxed>({ max: localMaxItems }) : undefined;
    // The cache resource falling back to the cache itself would answer nothing new.
    this.useStore = enabled && strategies.includes('cache') && resource !== 'cache';
  }

  /** Remembers a good value read from the resource. Never throws. */
  public remember(key: string, value: unknown): void {
    if (!this.enabled) return;
    const local = this.local;
    if (local) {
      // Reads of a key mostly return what was remembered last time: a lookup (which also marks
      // it recently used) is cheaper than a write and allocates nothing.
      const kept = local.get(key);
      if (kept === undefined || kept.value !== value) local.set(key, { value });
    }
    if (!this.useStore) return;
    const store = this.store();
    if (!store) return;
    store.set(this.storeKey(key), value).catch(() => {
      this.counts.storeErrors++;
    });
  }

  /**
   * Drops the in-process copies of the keys `match` names (a key, or a test over keys): their
   * values were deleted or invalidated, and a copy must not answer for them later. Copies in the
   * fallback store keep their own time to live. Never throws.
   */
  public forget(match: string | ((key: string) => boolean)): void {
    const local = this.local;
    if (!local) return;
    if (typeof match === 'string') {
      local.delete(match);
      return;
    }
    for (const key of [...local.keys()]) if (match(key)) local.delete(key);
  }

  /**
   * Answers a failed read from the strategies, or resolves undefined when none can (fallback
   * disabled, the error's kind does not allow it, or no strategy has a value).
   */
  public async answer<T>(
    key: string,
    error: unknown,
    fallbackDefault: { value: T } | undefined,
  ): Promise<Served<T> | undefined> {
    if (!this.enabled || !classifyError(error).fallbackAllowed) return undefined;
    const cause = error instanceof Error ? error : new Error(String(error));
    for (const strategy of this.strategies) {
      const found = await this.lookup(strategy, key, fallbackDefault);
      if (found) {
        this.counts.served[strategy]++;
        return { value: found.value as T, source: strategy, stale: true, error: cause };
      }
    }
    this.counts.missed++;
    return undefined;
  }

  private async lookup<T>(
    strategy: FallbackStrategy,
    key: string,
    fallbackDefault: { value: T } | undefined,
  ): Promise<Boxed | undefined> {
    switch (strategy) {
      case 'local':
        return this.local?.get(key);
      case 'default':
        return fallbackDefault;
      case 'cache': {
        const store = this.useStore ? this.store() : undefined;
        if (!store) return undefined;
        try {
          return await store.get(this.storeKey(key));
        } catch {
          return undefined; // the cache is down too: try the next strategy
        }
      }
    }
  }

  private storeKey(key: string): string {
    return `fallback:${this.resource}:${key}`;
  }
}
