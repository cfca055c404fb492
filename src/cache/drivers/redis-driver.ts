import type { ConnectionOptions } from 'node:tls';
import { Command, Redis, type Cluster } from 'ioredis';
import type { StatorConfig } from '../../config/schema.js';
import { redisTlsOptions } from '../../config/tls-files.js';
import { cacheConnectFailure, isTelling, moreTelling } from '../connect-failure.js';
import { probeTls } from './tls-probe.js';
import { unrefTimer, type Clock } from '../../kernel/clock.js';
import { abortable, withDeadline } from '../../kernel/deadline.js';
import { OperationTimeoutError } from '../../errors/operation-timeout-error.js';
import { DeadlineQueue } from '../deadline-queue.js';
import { CommandDeadlines } from './command-deadlines.js';
import { settleMany } from '../settle-many.js';
import type { CacheDriver, DriverEntry, NodeObserver } from '../driver.js';
import { createRedisClient, type RedisClient } from './redis-client.js';
import { notAnswering } from '../node-connections.js';
import { TickWriteCoalescer } from '../../kernel/tick-write-coalescer.js';
import { tagKey } from '../tag-key.js';
import { TAG_ADD_SCRIPT, escapeGlob } from './redis-tags.js';

/** Redis refuses strings over 512 MiB. */
const REDIS_MAX_VALUE_BYTES = 512 * 1024 * 1024;
const SCAN_COUNT = 500;
const UNLINK_BATCH = 500;
/** Options of every command the driver sends: replies as strings, as `client.get()` gives them. */
const UTF8 = { replyEncoding: 'utf8' } as const;

/** An argument of a command. */
type Arg = string | number;

/** The custom command the tag script is registered as. */
interface TagCommands {
  statorTagAdd(tagSetKey: string, member: string, ttlMs: number): Promise<number>;
}

/**
 * The Redis driver (ioredis): a single node, a Sentinel-managed master, or a Cluster (see
 * {@link createRedisClient}). Entries are strings set with `PX`; tags are sets (see
 * `redis-tags.ts`); prefix invalidation SCANs every master and UNLINKs what matches.
 * Multi-key commands are split per key on a Cluster, where keys live in different slots.
 *
 * Every round trip is bounded by `cache.timeout` here, with one shared timer for all of them
 * ({@link CommandDeadlines}; {@link DeadlineQueue} for the tag script), rather than by ioredis'
 * `commandTimeout`, which arms a timer per command: on a local Redis that timer costs several
 * percent of the call. Commands are sent as ioredis `Command`s (`sendCommand`), the same thing
 * `client.get()` builds, so their deadline needs no promise or closure of its own.
 */
export class RedisDriver implements CacheDriver {
  public readonly name = 'redis';
  public readonly remote = true;
  public readonly timesOutItself = true;
  public readonly supportsPrefixInvalidation = true;
  public readonly maxValueBytes: number;
  private connection: RedisClient | undefined;
  /** Bound each round trip by `cache.timeout` (none when it is 0): commands, and the tag script. */
  private readonly commandDeadlines: CommandDeadlines | undefined;
  private readonly deadlines: DeadlineQueue | undefined;
  /** The node that stopped answering while its connection stays open, probed until it answers (cleared with the connection). */
  private silent: { readonly address: string; timer: unknown } | undefined;
  /** At most two socket writes per tick instead of one per command (a single node or Sentinel master; a Cluster routes its own writes). */
  private readonly writes = new TickWriteCoalescer();
  /** `cache.tls` with its files read (at the first start; the same buffers serve every reconnection). */
  private tls: ConnectionOptions | undefined;

  public constructor(
    private readonly config: StatorConfig['cache'],
    private readonly observer: NodeObserver,
    private readonly clock: Clock,
  ) {
    this.maxValueBytes = config.max_value_bytes ?? REDIS_MAX_VALUE_BYTES;
    const timeoutMs = config.timeout > 0 ? Math.max(1, Math.round(config.timeout * 1000)) : 0;
    this.commandDeadlines =
      timeoutMs > 0 ? new CommandDeadlines(clock, 'cache', timeoutMs, () => this.unanswered(timeoutMs)) : undefined;
    this.deadlines = timeoutMs > 0 ? new DeadlineQueue(clock, 'cache', timeoutMs) : undefined;
  }

  public async connect(signal: AbortSignal): Promise<void> {
    if (this.connection && this.connection.client.status === 'ready') return;
    this.disconnect();
    if (this.config.tls) this.tls ??= redisTlsOptions(this.config.tls, 'cache.tls');
    // Until connect() settles, the client's own error events are expected (connection refused);
    // the node machines record them. Keep the most telling one: ioredis rejects connect() with a
    // bare "Connection is closed." (a Cluster: "Failed to refresh slots cache.") after a TLS or
    // AUTH failure, which only the events (of the client, or of each Cluster node) name.
    let reported: unknown;
    let connecting = true;
    const remember = (error: unknown): void => {
      if (connecting) reported = moreTelling(reported, error);
    };
    const observer: NodeObserver = (address, signal, error) => {
      if (signal === 'error') remember(error);
      this.observer(address, signal, error);
    };
    const connection = createRedisClient(this.config, observer, this.tls);
    connection.client.defineCommand('statorTagAdd', { numberOfKeys: 1, lua: TAG_ADD_SCRIPT });
    this.connection = connection;
    connection.client.on('error', remember);
    connection.client.on('node error', remember);
    try {
      // ioredis' connect() can stay pending while it retries (a Cluster whose ready check failed):
      // give up after cache.timeout and let the supervisor try again.
      await withDeadline(connection.client.connect(), {
        clock: this.clock,
        ms: this.config.timeout * 1000,
        signal,
        onTimeout: () => new OperationTimeoutError('cache', 'connect', this.config.timeout * 1000, 'cache.timeout'),
      });
    } catch (error) {
      this.disconnect();
      if (signal.aborted && error === signal.reason) throw error;
      const seed = this.config.cluster?.nodes[0] ?? this.config.sentinel?.nodes[0];
      if (this.tls && seed && !isTelling(reported)) {
        // A Cluster or Sentinel client hid the cause: one TLS handshake with the first seed names it.
        reported = moreTelling(
          reported,
          await probeTls(seed.host, seed.port, this.tls, Math.max(1, this.config.timeout * 1000)),
        );
      }
      throw cacheConnectFailure(reported ?? error, {
        description: `redis cache at ${this.where()}`,
        driver: 'redis',
        tls: this.config.tls !== undefined,
        secrets: [this.config.password, this.config.sentinel?.password],
      });
    } finally {
      connecting = false;
      connection.client.off('error', remember);
      connection.client.off('node error', remember);
      // Keep an 'error' listener so that none is unhandled.
      connection.client.on('error', () => undefined);
    }
  }

  public async ping(signal: AbortSignal): Promise<void> {
    await abortable(this.send(this.client, 'ping', []), signal);
  }

  public async close(signal: AbortSignal): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.connection = undefined;
    this.writes.release();
    this.endSilence();
    try {
      // QUIT lets replies in flight arrive; a node that does not answer within cache.timeout
      // is cut off.
      if (connection.client.status === 'ready') {
        await withDeadline(connection.client.quit(), {
          clock: this.clock,
          ms: this.config.timeout * 1000,
          signal,
          onTimeout: () => new OperationTimeoutError('cache', 'quit', this.config.timeout * 1000, 'cache.timeout'),
        });
      }
    } catch {
      // Closing anyway.
    } finally {
      connection.client.disconnect();
      for (const address of connection.addresses()) this.observer(address, 'removed');
      connection.detach();
    }
  }

  public get(key: string): Promise<string | null> {
    return this.send(this.client, 'get', [key]);
  }

  public async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    const client = this.client;
    if (this.isCluster)
      return settleMany(keys.map(async (k) => (await this.send<string | null>(client, 'get', [k])) ?? undefined));
    const values = await this.send<Array<string | null>>(client, 'mget', [...keys]);
    return values.map((v) => v ?? undefined);
  }

  public set(key: string, data: string, ttlMs: number, tags: readonly string[]): Promise<unknown> {
    const client = this.client;
    const write = this.send(client, 'set', ttlMs > 0 ? [key, data, 'PX', ttlMs] : [key, data]);
    if (tags.length === 0) return write;
    const tagged = client as unknown as TagCommands;
    const adds = tags.map((tag) => tagged.statorTagAdd(tagKey(this.config.key_prefix, tag), key, ttlMs));
    return Promise.all([write, this.deadlines ? this.deadlines.run('set', Promise.all(adds)) : Promise.all(adds)]);
  }

  public async setMany(entries: readonly DriverEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => this.set(e.key, e.data, e.ttlMs, e.tags)));
  }

  public async delete(key: string): Promise<boolean> {
    return (await this.send<number>(this.client, 'del', [key])) > 0;
  }

  public async deleteMany(keys: readonly string[]): Promise<number> {
    return this.unlink(this.client, keys);
  }

  public async invalidateTags(tags: readonly string[]): Promise<number> {
    const client = this.client;
    let removed = 0;
    for (const tag of tags) {
      const setKey = tagKey(this.config.key_prefix, tag);
      const members = await this.send<string[]>(client, 'smembers', [setKey]);
      if (members.length === 0) continue;
      removed += await this.unlink(client, members);
      // Only the members seen: a key tagged meanwhile stays tagged.
      for (let i = 0; i < members.length; i += UNLINK_BATCH) {
        await this.send(client, 'srem', [setKey, ...members.slice(i, i + UNLINK_BATCH)]);
      }
    }
    return removed;
  }

  public async invalidatePrefix(prefix: string): Promise<number> {
    const connection = this.requireConnection();
    const match = `${escapeGlob(prefix)}*`;
    let removed = 0;
    for (const node of connection.scanTargets()) {
      let cursor = '0';
      do {
        const [next, keys] = await this.send<[string, string[]]>(node, 'scan', [
          cursor,
          'MATCH',
          match,
          'COUNT',
          SCAN_COUNT,
        ]);
        cursor = next;
        // On a Cluster the keys found on one node may sit in different slots: the cluster client
        // routes each UNLINK by key.
        if (keys.length) removed += await this.unlink(connection.client, keys);
      } while (cursor !== '0');
    }
    return removed;
  }

  public describe(): Readonly<Record<string, unknown>> {
    const connection = this.connection;
    return {
      mode: connection?.mode ?? (this.config.cluster ? 'cluster' : this.config.sentinel ? 'sentinel' : 'single'),
      status: connection?.client.status ?? 'closed',
    };
  }

  private get isCluster(): boolean {
    return this.connection?.mode === 'cluster';
  }

  private get client(): Redis | Cluster {
    return this.requireConnection().client;
  }

  private requireConnection(): RedisClient {
    if (!this.connection) throw new Error('Connection is closed.');
    return this.connection;
  }

  private async unlink(client: Redis | Cluster, keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    if (this.isCluster) {
      const counts = await Promise.all(keys.map((k) => this.send<number>(client, 'unlink', [k])));
      return counts.reduce((a, b) => a + b, 0);
    }
    let removed = 0;
    for (let i = 0; i < keys.length; i += UNLINK_BATCH)
      removed += await this.send<number>(client, 'unlink', keys.slice(i, i + UNLINK_BATCH));
    return removed;
  }

  /** Sends one command on `client`; its reply, or an `OperationTimeoutError` after `cache.timeout`. */
  private send<T = unknown>(client: Redis | Cluster, name: string, args: Arg[]): Promise<T> {
    const command = new Command(name, args, UTF8);
    // Only a ready client writes at once; otherwise ioredis queues the command and writes it later.
    if (client instanceof Redis && client.status === 'ready') this.writes.hold(client.stream);
    void client.sendCommand(command);
    this.commandDeadlines?.track(command);
    return command.promise as Promise<T>;
  }

  /**
   * A command got no answer within `cache.timeout` while the connection stays open (a frozen or
   * overloaded server: ioredis sees nothing wrong). The node becomes `unresponsive`, and a `PING`
   * every `retry_delay` tells when it answers again. On a Cluster a command is not traced to its
   * node, so this is left to the breaker and `check()`.
   */
  private unanswered(timeoutMs: number): void {
    const connection = this.connection;
    if (!connection || connection.mode === 'cluster' || this.silent) return;
    const address = connection.addresses()[0];
    if (address === undefined) return;
    this.silent = { address, timer: undefined };
    this.observer(address, 'unresponsive', notAnswering(timeoutMs));
    this.probeSilent();
  }

  private probeSilent(): void {
    const silent = this.silent;
    if (!silent) return;
    const delayMs = Math.max(1, Math.round(this.config.retry_delay * 1000));
    silent.timer = this.clock.setTimeout(() => {
      silent.timer = undefined;
      const connection = this.connection;
      if (this.silent !== silent || !connection) return;
      this.send(connection.client, 'ping', []).then(
        () => {
          if (this.silent !== silent) return;
          this.silent = undefined;
          this.observer(silent.address, 'ready');
        },
        () => this.probeSilent(),
      );
    }, delayMs);
    unrefTimer(silent.timer);
  }

  private endSilence(): void {
    if (this.silent?.timer !== undefined) this.clock.clearTimeout(this.silent.timer);
    this.silent = undefined;
  }

  /** Where the driver connects, for messages (no credentials). */
  private where(): string {
    const { cluster, sentinel, host, port } = this.config;
    if (cluster) return `cluster ${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`;
    if (sentinel)
      return `sentinel master "${sentinel.name}" via ${sentinel.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`;
    return `${host}:${port ?? 6379}`;
  }

  private disconnect(): void {
    const connection = this.connection;
    if (!connection) return;
    this.connection = undefined;
    this.writes.release();
    this.endSilence();
    connection.client.disconnect();
    connection.detach();
  }
}
