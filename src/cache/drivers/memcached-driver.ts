import memjs from 'memjs';
import type { StatorConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { Clock } from '../../kernel/clock.js';
import { abortable } from '../../kernel/deadline.js';
import { cacheConnectFailure } from '../connect-failure.js';
import { DeadlineQueue } from '../deadline-queue.js';
import { settleMany } from '../settle-many.js';
import type { CacheDriver, DriverCallback, DriverEntry, NodeObserver } from '../driver.js';
import { tagKey } from '../tag-key.js';
import { notAnswering } from '../node-connections.js';
import { memcachedKey } from './memcached-key.js';
import { MemcachedServers } from './memcached-servers.js';
import { MemcachedWriteCoalescer } from './memcached-write-coalescer.js';
import { decodeTagged, encodeTagged, newTagVersion, type TagVersions } from './memcached-tags.js';

type MemjsClient = memjs.Client;

/** Memcached's default item size limit (1 MiB) less room for the key and the item header. */
const MEMCACHED_MAX_VALUE_BYTES = 1024 * 1024 - 1024;
/** Memcached reads an expiry over 30 days as a Unix time. */
const RELATIVE_EXPIRY_LIMIT = 60 * 60 * 24 * 30;
const PROBE_KEY = 'stator:probe';
/** memjs' error when a connected server did not answer within its timeout. */
const NO_RESPONSE = 'socket timed out waiting on response.';
/** First byte of an untagged entry (`N`, see `memcached-tags.ts`). */
const UNTAGGED_BYTE = 78;

/** Options of {@link MemcachedDriver}. */
export interface MemcachedDriverOptions {
  readonly config: StatorConfig['cache'];
  readonly observer: NodeObserver;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The Memcached driver (memjs), over one server or several (`cache.servers`; memjs spreads keys
 * over them by hash). Each server is followed by {@link MemcachedServers} as one connection
 * machine. Tags are version counters (see `memcached-tags.ts`); prefix invalidation is not
 * possible (Memcached cannot list keys). Keys Memcached would refuse are hashed
 * ({@link memcachedKey}).
 *
 * Every operation is bounded by `cache.timeout` here, with one shared timer
 * ({@link DeadlineQueue}): memjs' own timeout is a socket idle timeout that steady writes to a
 * frozen server keep from firing. Untagged `get` and `set` (the hot path) call memjs with a
 * callback and settle one promise of their own, as the raw client's promise API would.
 */
export class MemcachedDriver implements CacheDriver {
  public readonly name = 'memcached';
  public readonly remote = true;
  /** Bounded here by one shared deadline timer (memjs' own timeout cannot be trusted, see above). */
  public readonly timesOutItself = true;
  public readonly supportsPrefixInvalidation = false;
  public readonly maxValueBytes: number;
  private readonly addresses: readonly string[];
  private readonly config: StatorConfig['cache'];
  private client: MemjsClient | undefined;
  private readonly probes = new Map<string, MemjsClient>();
  private servers: MemcachedServers | undefined;
  /** `cache.timeout` in ms (0: none). */
  private readonly timeoutMs: number;
  /** Bounds each operation by `cache.timeout` (none when it is 0). */
  private readonly deadlines: DeadlineQueue | undefined;
  /** At most two socket writes per server per tick instead of one per request. */
  private readonly writes = new MemcachedWriteCoalescer();

  public constructor(private readonly options: MemcachedDriverOptions) {
    this.config = options.config;
    this.maxValueBytes = this.config.max_value_bytes ?? MEMCACHED_MAX_VALUE_BYTES;
    this.addresses = this.config.servers ?? [`${this.config.host}:${this.config.port ?? 11211}`];
    this.timeoutMs = Math.round(this.config.timeout * 1000);
    this.deadlines =
      this.timeoutMs > 0
        ? new DeadlineQueue(options.clock, 'cache', this.timeoutMs, (deadline) => this.expired(deadline.subject))
        : undefined;
  }

  public async connect(signal: AbortSignal): Promise<void> {
    this.shutdown();
    this.client = this.createClient(this.addresses.join(','));
    let failure: unknown;
    this.servers = new MemcachedServers({
      addresses: this.addresses,
      clock: this.options.clock,
      retryDelayMs: Math.max(1, Math.round(this.config.retry_delay * 1000)),
      probe: (address) =>
        this.probe(address).catch((error: unknown) => {
          failure ??= error;
          throw error;
        }),
      observer: this.options.observer,
    });
    const up = await abortable(this.servers.probeAll(), signal);
    if (up.length === 0) {
      this.shutdown();
      throw cacheConnectFailure(failure ?? new Error('no server answered'), {
        description: `memcached cache at ${this.addresses.join(', ')}`,
        driver: 'memcached',
        tls: false,
        secrets: [this.config.password],
      });
    }
  }

  public async ping(signal: AbortSignal): Promise<void> {
    const servers = this.requireServers();
    const up = await abortable(servers.probeAll(), signal);
    if (up.length === 0) throw new Error(`No Memcached server answered (${this.addresses.join(', ')})`);
  }

  public async close(): Promise<void> {
    const addresses = this.client ? this.addresses : [];
    this.shutdown();
    for (const address of addresses) this.options.observer(address, 'removed');
  }

  public get(key: string): Promise<string | undefined> {
    return new Promise<string | undefined>((resolve, reject) => {
      const client = this.requireClient();
      const servers = this.requireServers();
      const k = memcachedKey(key);
      const server = this.serverOf(client, k);
      const deadlines = this.deadlines;
      const deadline = deadlines?.start('get', reject, server);
      this.writes.coalesce(server);
      client.get(k, (error, value) => {
        this.noteOutcome(client, servers, k, error);
        if (error) {
          if (!deadline || deadlines?.settle(deadline)) reject(error);
        } else if (value === null) {
          if (!deadline || deadlines?.settle(deadline)) resolve(undefined);
        } else if (value[0] === UNTAGGED_BYTE) {
          // Untagged (the common case): no header to parse.
          if (!deadline || deadlines?.settle(deadline)) resolve(value.toString('utf8', 1));
        } else {
          // Tagged: one more round trip for the tags' versions, within the same deadline.
          this.checkTagged(value.toString('utf8')).then(
            (text) => {
              if (!deadline || deadlines?.settle(deadline)) resolve(text);
            },
            (failure: unknown) => {
              if (!deadline || deadlines?.settle(deadline)) reject(failure);
            },
          );
        }
      });
    });
  }

  public async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    return settleMany(keys.map((k) => this.get(k)));
  }

  public set(key: string, data: string, ttlMs: number, tags: readonly string[]): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.setWith(key, data, ttlMs, tags, (error) => {
        if (error === null) resolve(true);
        else reject(error);
      });
    });
  }

  public setWith(key: string, data: string, ttlMs: number, tags: readonly string[], done: DriverCallback): void {
    if (tags.length) {
      this.bounded('set', this.setTagged(key, data, ttlMs, tags)).then(
        () => done(null),
        (error: unknown) => done(error ?? new Error(String(error))),
      );
      return;
    }
    let client: MemjsClient;
    let servers: MemcachedServers;
    try {
      client = this.requireClient();
      servers = this.requireServers();
    } catch (error) {
      done(error);
      return;
    }
    const k = memcachedKey(key);
    const server = this.serverOf(client, k);
    const deadlines = this.deadlines;
    const deadline = deadlines?.start('set', done, server);
    this.writes.coalesce(server);
    client.set(k, encodeTagged(data, undefined), { expires: expiry(ttlMs) }, (error) => {
      this.noteOutcome(client, servers, k, error);
      if (deadline && !deadlines?.settle(deadline)) return;
      done(error ?? null);
    });
  }

  public async setMany(entries: readonly DriverEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => this.set(e.key, e.data, e.ttlMs, e.tags)));
  }

  public delete(key: string): Promise<boolean> {
    return this.bounded(
      'delete',
      this.call(key, (client, k) => client.delete(k)),
    );
  }

  public async deleteMany(keys: readonly string[]): Promise<number> {
    const results = await Promise.all(keys.map((k) => this.delete(k)));
    return results.filter(Boolean).length;
  }

  public async invalidateTags(tags: readonly string[]): Promise<undefined> {
    const now = this.options.clock.now();
    const writes = Promise.all(
      tags.map((tag) => {
        const key = tagKey(this.config.key_prefix, tag);
        return this.call(key, (client, k) => client.set(k, newTagVersion(now), { expires: 0 }));
      }),
    );
    await this.bounded('invalidate', writes);
    return undefined;
  }

  public async invalidatePrefix(): Promise<number> {
    // The cache API refuses before calling (supportsPrefixInvalidation is false).
    throw new Error('Memcached cannot enumerate keys');
  }

  public describe(): Readonly<Record<string, unknown>> {
    return { mode: this.addresses.length > 1 ? 'servers' : 'single', servers: [...this.addresses] };
  }

  private async setTagged(key: string, data: string, ttlMs: number, tags: readonly string[]): Promise<unknown> {
    const versions = await this.tagVersions(tags);
    return this.call(key, (client, k) => client.set(k, encodeTagged(data, versions), { expires: expiry(ttlMs) }));
  }

  /** The data of a stored text that is not a plain untagged entry: undefined when its tags were invalidated. */
  private async checkTagged(stored: string): Promise<string | undefined> {
    const entry = decodeTagged(stored);
    if (!entry) return undefined;
    if (!entry.versions) return entry.data;
    return (await this.versionsCurrent(entry.versions)) ? entry.data : undefined;
  }

  /** `promise`, bounded by `cache.timeout` (one shared timer). */
  private bounded<T>(operation: string, promise: Promise<T>): Promise<T> {
    return this.deadlines ? this.deadlines.run(operation, promise) : promise;
  }

  /**
   * Keeps the server's health up to date from the outcome of one memjs call (`error` null: it
   * answered).
   */
  private noteOutcome(client: MemjsClient, servers: MemcachedServers, k: string, error: unknown): void {
    if (error === null) {
      if (servers.anyDown) {
        const address = this.addressOf(client, k);
        if (servers.isDown(address)) servers.markUp(address);
      }
    } else if (!(error instanceof Error && error.message.startsWith('MemJS '))) {
      // memjs status errors ("MemJS SET: Value too large") come from a server that answered.
      // memjs' socket timeout on a connected socket, like a deadline, means the server stopped answering.
      const address = this.addressOf(client, k);
      if (error instanceof Error && error.message === NO_RESPONSE)
        servers.markUnresponsive(address, notAnswering(this.timeoutMs));
      else servers.markDown(address, error);
    }
  }

  /** The current versions of `tags`, creating the missing ones. */
  private async tagVersions(tags: readonly string[]): Promise<TagVersions> {
    const out: Record<string, string> = {};
    await Promise.all(
      tags.map(async (tag) => {
        const key = tagKey(this.config.key_prefix, tag);
        let version = await this.raw(key);
        if (version === undefined) {
          const fresh = newTagVersion(this.options.clock.now());
          const added = await this.call(key, (client, k) => client.add(k, fresh, { expires: 0 }));
          // Someone else created it first: theirs is the version.
          version = added ? fresh : await this.raw(key);
        }
        if (version === undefined) throw new Error(`Memcached dropped the version of tag "${tag}" at once`);
        out[tag] = version;
      }),
    );
    return out;
  }

  private async versionsCurrent(versions: TagVersions): Promise<boolean> {
    const tags = Object.keys(versions);
    const current = await Promise.all(tags.map((tag) => this.raw(tagKey(this.config.key_prefix, tag))));
    return tags.every((tag, i) => current[i] !== undefined && current[i] === versions[tag]);
  }

  private async raw(key: string): Promise<string | undefined> {
    const { value } = await this.call(key, (client, k) => client.get(k));
    return value === null ? undefined : value.toString('utf8');
  }

  /** Runs one memjs call and keeps the server's health up to date from its outcome. */
  private async call<T>(key: string, fn: (client: MemjsClient, memcachedKey: string) => Promise<T>): Promise<T> {
    const client = this.requireClient();
    const servers = this.requireServers();
    const k = memcachedKey(key);
    let result: T;
    try {
      this.writes.coalesce(this.serverOf(client, k));
      result = await fn(client, k);
    } catch (error) {
      this.noteOutcome(client, servers, k, error ?? new Error(String(error)));
      throw error;
    }
    this.noteOutcome(client, servers, k, null);
    return result;
  }

  /**
   * A call to `server` got no answer within `cache.timeout`: the server stopped answering (frozen,
   * overloaded), though memjs keeps its socket. Its node is `unresponsive` until it answers again.
   */
  private expired(server: unknown): void {
    const client = this.client;
    const servers = this.servers;
    if (!client || !servers || server === undefined) return;
    const address = this.addresses[client.servers.indexOf(server as memjs.Server)];
    if (address !== undefined) servers.markUnresponsive(address, notAnswering(this.timeoutMs));
  }

  private addressOf(client: MemjsClient, key: string): string {
    const index = this.addresses.length > 1 ? client.getServer(key) : 0;
    return this.addresses[Number(index)] ?? (this.addresses[0] as string);
  }

  /** The memjs server `key` goes to (memjs' own choice: `getServer` over several). */
  private serverOf(client: MemjsClient, key: string): memjs.Server | undefined {
    return client.servers[this.addresses.length > 1 ? Number(client.getServer(key)) : 0];
  }

  private async probe(address: string): Promise<void> {
    let probe = this.probes.get(address);
    if (!probe) this.probes.set(address, (probe = this.createClient(address)));
    try {
      await probe.get(PROBE_KEY);
    } catch (error) {
      // memjs reports some failures (SASL refused) as a bare string.
      throw typeof error === 'string' ? new Error(error) : error;
    }
  }

  private createClient(servers: string): MemjsClient {
    // timeout 0 = none; memjs has no "none", so a day.
    const seconds = this.config.timeout > 0 ? this.config.timeout : 86_400;
    const logger = this.options.logger;
    return memjs.Client.create(servers, {
      // Stator's pipeline decides about retries and fallback; memjs makes one attempt.
      retries: 1,
      failover: false,
      timeout: seconds,
      conntimeout: seconds,
      keepAlive: true,
      logger: { log: (...args: unknown[]) => logger.debug(`memjs: ${args.map(String).join(' ')}`) },
      ...(this.config.username !== undefined ? { username: this.config.username } : {}),
      ...(this.config.password !== undefined ? { password: this.config.password } : {}),
    });
  }

  private requireClient(): MemjsClient {
    if (!this.client) throw new Error('Connection is closed.');
    return this.client;
  }

  private requireServers(): MemcachedServers {
    if (!this.servers) throw new Error('Connection is closed.');
    return this.servers;
  }

  private shutdown(): void {
    this.servers?.stop();
    this.servers = undefined;
    this.writes.release();
    this.client?.close();
    this.client = undefined;
    for (const probe of this.probes.values()) probe.close();
    this.probes.clear();
  }
}

/** Memcached's expiry field for a TTL in ms: whole seconds, rounded up; a Unix time past 30 days. */
function expiry(ttlMs: number): number {
  if (!(ttlMs > 0)) return 0;
  const seconds = Math.ceil(ttlMs / 1000);
  // The server compares with its own wall clock, not with the instance clock.
  return seconds > RELATIVE_EXPIRY_LIMIT ? Math.floor(Date.now() / 1000) + seconds : seconds;
}
