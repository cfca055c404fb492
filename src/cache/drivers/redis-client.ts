import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { StatorConfig } from '../../config/schema.js';
import type { NodeObserver } from '../driver.js';
import { steadyTls } from '../../kernel/steady-connector.js';

/** How the Redis driver reaches Redis. */
export type RedisMode = 'single' | 'sentinel' | 'cluster';

/** A connected-or-connecting ioredis client and what the driver needs to know about it. */
export interface RedisClient {
  readonly mode: RedisMode;
  readonly client: Redis | Cluster;
  /** Node addresses the driver reports on (one for single/sentinel). */
  addresses(): string[];
  /** The clients to SCAN for prefix invalidation (each master of a cluster). */
  scanTargets(): Redis[];
  /** Stops reporting node events (the client is being closed on purpose). */
  detach(): void;
}

/** ioredis `status`es that mean "usable now or soon". */
const NODE_EVENTS = ['ready', 'close', 'reconnecting', 'end', 'error'] as const;

/**
 * Builds the ioredis client `cache` describes: a Cluster when `cache.cluster` is set, a
 * Sentinel-managed master when `cache.sentinel` is set, else a single node at `host:port`.
 *
 * Connecting is bounded by `cache.timeout` (ioredis `connectTimeout`; a Cluster refuses at once
 * while it is not ready); commands are bounded by the driver, with one shared timer (no
 * `commandTimeout`: ioredis would arm a timer per command). Reconnection runs forever every
 * `cache.retry_delay` seconds (so the cache comes back by itself when the server does), and commands queued while disconnected fail at the first failed
 * reconnection attempt (`maxRetriesPerRequest: 0`), so reads fall back promptly. Each node's
 * connection events go to `observer` (one connection machine per node).
 *
 * `tls` (from `cache.tls`, files already read) applies to every connection: the node, the
 * master behind Sentinel and the Sentinels themselves, and each Cluster node.
 */
export function createRedisClient(
  config: StatorConfig['cache'],
  observer: NodeObserver,
  tls?: ConnectionOptions,
): RedisClient {
  // timeout 0 = none.
  const timeoutMs = config.timeout > 0 ? Math.max(1, Math.round(config.timeout * 1000)) : undefined;
  const retryMs = Math.max(1, Math.round(config.retry_delay * 1000));
  const common: RedisOptions = {
    lazyConnect: true,
    ...(timeoutMs !== undefined ? { connectTimeout: timeoutMs } : {}),
    maxRetriesPerRequest: 0,
    enableReadyCheck: true,
    retryStrategy: () => retryMs,
    // After a failover a connection may still point at a demoted master: reconnect and resend.
    reconnectOnError: (error) => (/^READONLY/.test(error.message) ? 2 : false),
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    // A TLS socket may emit a second error that ioredis no longer listens to (steady-connector.ts);
    // Sentinel keeps ioredis' own connector, which finds the master.
    ...(config.sentinel ? (tls ? { tls } : {}) : steadyTls(tls)),
  };
  if (config.cluster) return clusterClient(config, common, retryMs, timeoutMs, observer);
  const single = config.sentinel
    ? new Redis({
        ...common,
        db: config.db,
        name: config.sentinel.name,
        sentinels: config.sentinel.nodes.map((n) => ({ host: n.host, port: n.port })),
        ...(config.sentinel.password !== undefined ? { sentinelPassword: config.sentinel.password } : {}),
        sentinelRetryStrategy: () => retryMs,
        ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      })
    : new Redis({ ...common, db: config.db, host: config.host, port: config.port ?? 6379 });
  const address = config.sentinel ? config.sentinel.name : `${config.host}:${config.port ?? 6379}`;
  let attached = true;
  watchNode(
    single,
    () => attached,
    (signal, error) => observer(address, signal, error),
  );
  return {
    mode: config.sentinel ? 'sentinel' : 'single',
    client: single,
    addresses: () => [address],
    scanTargets: () => [single],
    detach: () => {
      attached = false;
    },
  };
}

function clusterClient(
  config: StatorConfig['cache'],
  common: RedisOptions,
  retryMs: number,
  timeoutMs: number | undefined,
  observer: NodeObserver,
): RedisClient {
  const seeds = config.cluster?.nodes.map((n) => ({ host: n.host, port: n.port })) ?? [];
  const options: ClusterOptions = {
    lazyConnect: true,
    // The Cluster's own queue (used while it is not ready) has no timeout: refuse at once
    // instead, so no call waits past cache.timeout; reads then fall back at once. Nodes keep
    // their queues; the driver's deadlines bound each call in them.
    enableOfflineQueue: false,
    clusterRetryStrategy: () => retryMs,
    // Nodes reconnect by themselves, so each node's machine goes reconnecting → idle.
    clusterNodeRetryStrategy: () => retryMs,
    ...(timeoutMs !== undefined ? { slotsRefreshTimeout: timeoutMs } : {}),
    slotsRefreshInterval: 5_000,
    scaleReads: 'master',
    redisOptions: common,
  };
  const cluster = new Cluster(seeds, options);
  // The node instance currently reporting for each address: events of a replaced instance
  // (recreated after a MOVED, removed after a failover) are ignored.
  const current = new Map<string, Redis>();
  let attached = true;
  cluster.on('+node', (redis: Redis, key?: string) => {
    const address = key ?? `${redis.options.host}:${redis.options.port}`;
    current.set(address, redis);
    watchNode(
      redis,
      () => attached && current.get(address) === redis,
      (signal, error) => observer(address, signal, error),
    );
    // Nodes connect lazily (on their first command): connect them once the cluster is ready so
    // that status is true for every node, not only for those that happened to get a command.
    if (cluster.status === 'ready') connectIdle(redis);
  });
  cluster.on('ready', () => {
    for (const redis of cluster.nodes('all')) connectIdle(redis);
  });
  cluster.on('-node', (redis: Redis, key?: string) => {
    const address = key ?? `${redis.options.host}:${redis.options.port}`;
    if (current.get(address) !== redis) return;
    current.delete(address);
    if (attached) observer(address, 'removed');
  });
  cluster.on('node error', (error: unknown, key?: string) => {
    if (attached && key) observer(key, 'error', error);
  });
  return {
    mode: 'cluster',
    client: cluster,
    addresses: () => [...current.keys()],
    scanTargets: () => cluster.nodes('master'),
    detach: () => {
      attached = false;
    },
  };
}

function connectIdle(redis: Redis): void {
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
}

/** Forwards one ioredis connection's lifecycle events while `active()` says so. */
function watchNode(
  redis: Redis,
  active: () => boolean,
  report: (signal: 'ready' | 'closed' | 'reconnecting' | 'end' | 'error', error?: unknown) => void,
): void {
  for (const event of NODE_EVENTS) {
    redis.on(event, (error?: unknown) => {
      if (!active()) return;
      report(event === 'close' ? 'closed' : event, event === 'error' ? error : undefined);
    });
  }
}
