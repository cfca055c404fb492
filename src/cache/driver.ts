import type { CacheDriverName } from '../config/index.js';

/**
 * What each cache driver (memory, redis, memcached) implements. Drivers store opaque text under
 * full keys (`key_prefix` already applied); serialization, expiry envelopes, single-flight,
 * fallback and metrics live above them in `CacheApi`, so every driver gets the same
 * semantics. Tags are passed as names: each driver keeps them its own way (an index, Redis sets,
 * Memcached version counters).
 */
export interface CacheDriver {
  /** `memory`, `redis` or `memcached` (the `driver` label of every cache metric). */
  readonly name: CacheDriverName;
  /** True when operations do I/O that can fail or hang (everything but memory). */
  readonly remote: boolean;
  /**
   * True when the driver bounds each call by `cache.timeout` itself (the built-in Redis and
   * Memcached drivers do, with one shared timer each): the cache API then adds nothing. False:
   * the cache API bounds each call (one shared timer, see `DeadlineQueue`).
   */
  readonly timesOutItself: boolean;
  /** False when the driver cannot enumerate keys (memcached): prefix invalidation is refused. */
  readonly supportsPrefixInvalidation: boolean;
  /** Largest accepted value in bytes (UTF-8 of the stored text). */
  readonly maxValueBytes: number;
  /** Connects and resolves once the driver can serve; rejects when it cannot. Honour `signal`. */
  connect(signal: AbortSignal): Promise<void>;
  /** A cheap round trip; rejects when the server does not answer. */
  ping(signal: AbortSignal): Promise<void>;
  /** Closes every connection. */
  close(signal: AbortSignal): Promise<void>;

  /** The stored text; `null` or `undefined` on a miss (so a client's own reply passes through). */
  get(key: string): Promise<string | null | undefined>;
  /** For drivers that answer in process (memory): {@link CacheDriver.get} without a promise. */
  getNow?(key: string): string | undefined;
  /** For drivers that answer in process (memory): {@link CacheDriver.set} without a promise. */
  setNow?(key: string, data: string, ttlMs: number, tags: readonly string[]): void;
  getMany(keys: readonly string[]): Promise<Array<string | undefined>>;
  /** `ttlMs` 0 = no expiry. Resolves with whatever the client answered (ignored). */
  set(key: string, data: string, ttlMs: number, tags: readonly string[]): Promise<unknown>;
  /**
   * For drivers over a callback client (memcached): {@link CacheDriver.set} reporting to `done`
   * (`null` once stored, else the error) instead of settling a promise of its own, so the cache
   * API's promise is the only one of the call. Never throws; calls `done` exactly once, bounded
   * like `set`.
   */
  setWith?(key: string, data: string, ttlMs: number, tags: readonly string[], done: DriverCallback): void;
  setMany(entries: readonly DriverEntry[]): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  /** Number of keys that existed. */
  deleteMany(keys: readonly string[]): Promise<number>;
  /** Entries removed, or `undefined` when the driver cannot count them. */
  invalidateTags(tags: readonly string[]): Promise<number | undefined>;
  /** Removes every key starting with `prefix` (a full key prefix). */
  invalidatePrefix(prefix: string): Promise<number>;

  /** Driver-specific facts for the status snapshot (mode, nodes). No secrets. */
  describe(): Readonly<Record<string, unknown>>;
}

/** Names of the built-in drivers: the configuration's `cache.driver`. */
export type { CacheDriverName };

/** What {@link CacheDriver.setWith} reports to: `null` on success, else the error. */
export type DriverCallback = (error: unknown) => void;

/** One entry of {@link CacheDriver.setMany}. */
export interface DriverEntry {
  readonly key: string;
  readonly data: string;
  readonly ttlMs: number;
  readonly tags: readonly string[];
}

/**
 * What a driver reports about one server connection (a Redis node, a Memcached server), from
 * the driver's own events. `NodeConnections` turns these into connection-machine events.
 */
export type NodeSignal = 'ready' | 'reconnecting' | 'closed' | 'end' | 'error' | 'unresponsive' | 'removed';

/** Receives a driver's {@link NodeSignal}s. `address` is `host:port` (or a Sentinel master name). */
export type NodeObserver = (address: string, signal: NodeSignal, error?: unknown) => void;
