import memjs from 'memjs';
import type { StatorConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { Clock } from '../../runtime/clock.js';
import { abortable } from '../abortable.js';
import { settleMany } from '../settle-many.js';
import type { CacheDriver, DriverEntry, NodeObserver } from '../driver.js';
import { tagKey } from '../tag-key.js';
import { memcachedKey } from './memcached-key.js';
import { MemcachedServers } from './memcached-servers.js';
import { decodeTagged, encodeTagged, newTagVersion, type TagVersions } from './memcached-tags.js';

type MemjsClient = memjs.Client;

/** Memcached's default item size limit (1 MiB) less room for the key and the item header. */
const MEMCACHED_MAX_VALUE_BYTES = 1024 * 1024 - 1024;
/** Memcached reads an expiry over 30 days as a Unix time. */
const RELATIVE_EXPIRY_LIMIT = 60 * 60 * 24 * 30;
const PROBE_KEY = 'stator:probe';

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
 */
export class MemcachedDriver implements CacheDriver {
  public readonly name = 'memcached';
  public readonly remote = true;
  /** memjs' request timeout is a socket idle timeout: steady writes to a frozen server keep it from firing. */
  public readonly timesOutItself = false;
  public readonly supportsPrefixInvalidation = false;
  public readonly maxValueBytes: number;
  private readonly addresses: readonly string[];
  private readonly config: StatorConfig['cache'];
  private client: MemjsClient | undefined;
  private readonly probes = new Map<string, MemjsClient>();
  private servers: MemcachedServers | undefined;

  public constructor(private readonly options: MemcachedDriverOptions) {
    this.config = options.config;
    this.maxValueBytes = this.config.max_value_bytes ?? MEMCACHED_MAX_VALUE_BYTES;
    this.addresses = this.config.servers ?? [`${this.config.host}:${this.config.port ?? 11211}`];
  }

  public async connect(signal: AbortSignal): Promise<void> {
    this.shutdown();
    this.client = this.createClient(this.addresses.join(','));
    this.servers = new MemcachedServers({
      addresses: this.addresses,
      clock: this.options.clock,
      retryDelayMs: Math.max(1, Math.round(this.config.retry_delay * 1000)),
      probe: (address) => this.probe(address),
      observer: this.options.observer,
    });
    const up = await abortable(this.servers.probeAll(), signal);
    if (up.length === 0) {
      this.shutdown();
      throw new Error(`No Memcached server answered (${this.addresses.join(', ')})`);
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

  public async get(key: string): Promise<string | undefined> {
    const stored = await this.raw(key);
    if (stored === undefined) return undefined;
    // Untagged (the common case): no header to parse.
    if (stored.charCodeAt(0) === 78 /* N */) return stored.slice(1);
    const entry = decodeTagged(stored);
    if (!entry) return undefined;
    if (!entry.versions) return entry.data;
    return (await this.versionsCurrent(entry.versions)) ? entry.data : undefined;
  }

  public async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    return settleMany(keys.map((k) => this.get(k)));
  }

  public set(key: string, data: string, ttlMs: number, tags: readonly string[]): Promise<unknown> {
    if (tags.length === 0) return this.call(key, (client, k) => client.set(k, encodeTagged(data, undefined), { expires: expiry(ttlMs) }));
    return this.setTagged(key, data, ttlMs, tags);
  }

  public async setMany(entries: readonly DriverEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => this.set(e.key, e.data, e.ttlMs, e.tags)));
  }

  public async delete(key: string): Promise<boolean> {
    return this.call(key, (client, k) => client.delete(k));
  }

  public async deleteMany(keys: readonly string[]): Promise<number> {
    const results = await Promise.all(keys.map((k) => this.delete(k)));
    return results.filter(Boolean).length;
  }

  public async invalidateTags(tags: readonly string[]): Promise<undefined> {
    const now = this.options.clock.now();
    await Promise.all(
      tags.map((tag) => {
        const key = tagKey(this.config.key_prefix, tag);
        return this.call(key, (client, k) => client.set(k, newTagVersion(now), { expires: 0 }));
      }),
    );
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
    try {
      const result = await fn(client, k);
      if (servers.anyDown) {
        const address = this.addressOf(client, k);
        if (servers.isDown(address)) servers.markUp(address);
      }
      return result;
    } catch (error) {
      // memjs status errors ("MemJS SET: Value too large") come from a server that answered.
      if (!(error instanceof Error && error.message.startsWith('MemJS '))) servers.markDown(this.addressOf(client, k), error);
      throw error;
    }
  }

  private addressOf(client: MemjsClient, key: string): string {
    const index = this.addresses.length > 1 ? client.getServer(key) : 0;
    return this.addresses[Number(index)] ?? (this.addresses[0] as string);
  }

  private async probe(address: string): Promise<void> {
    let probe = this.probes.get(address);
    if (!probe) this.probes.set(address, (probe = this.createClient(address)));
    await probe.get(PROBE_KEY);
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
