import { z } from 'zod';
import { applyCacheUrl } from './cache-url.js';
import { count, port, ratio, resourceKeys, seconds } from './common.js';
import { cacheTls } from './tls.js';

const node = z.strictObject({ host: z.string().min(1), port: port() });

/**
 * `cache:` — which cache, where, and how patient to be with it. `url` and the separate keys
 * combine (see `applyCacheUrl`): keys written beside the URL win, then the defaults apply.
 */
export const cacheSection = z
  .strictObject({
    /** Default `memory`, or what `url`'s scheme says. */
    driver: z.enum(['memory', 'redis', 'memcached']).optional(),
    /**
     * `redis://` / `rediss://` (TLS) `user:password@host:port/db`, `redis+sentinel://s1:26379,s2:26379/master`,
     * `memcached://user:password@host1:11211,host2:11211`; usually `${REDIS_URL}`. A secret: never shown.
     */
    url: z.string().min(1).optional(),
    /** Default `127.0.0.1`. */
    host: z.string().min(1).optional(),
    /** Default: 6379 for redis, 11211 for memcached. */
    port: port().optional(),
    /** Redis ACL user (with `password`); Memcached SASL user. */
    username: z.string().optional(),
    password: z.string().optional(),
    /** Read the password from this file (Docker/Kubernetes secrets). */
    password_file: z.string().optional(),
    /** Redis logical database (default 0). */
    db: count(0).optional(),
    /** TLS to Redis (every node, and the sentinels): `{ ca_file, cert_file, key_file, servername, reject_unauthorized }`. */
    tls: cacheTls.optional(),
    /** Seconds before a cache operation or connection attempt gives up. */
    timeout: seconds().default(5),
    retry_attempts: count(0).default(3),
    /** Seconds between connection attempts. */
    retry_delay: seconds().default(1),
    /** Prepended to every key, to keep one service's keys apart from another's. */
    key_prefix: z.string().default(''),
    /** Default time to live of an entry, in seconds (0 = no expiry). */
    default_ttl: seconds().default(0),
    /**
     * Spread of expiry times, as a fraction of each TTL: an entry set with `ttl: 100` and
     * `ttl_jitter: 0.1` expires after 90 to 100 seconds, so entries written together do not all
     * expire together. 0 turns jitter off.
     */
    ttl_jitter: ratio().default(0.1),
    /**
     * Seconds a `getOrSet` whose loader returned `undefined` remembers that absence (negative
     * caching). 0 (default) = off; a call's `negativeTtl` overrides it.
     */
    negative_ttl: seconds().default(0),
    /**
     * Largest serialized value accepted, in bytes; larger values are refused with
     * CACHE_VALUE_TOO_LARGE before anything is sent. Default: Memcached's 1 MiB item limit less
     * room for the key and header (1 047 552) for memcached, 512 MiB for redis, no limit for memory.
     */
    max_value_bytes: count(1).optional(),
    /** Memory driver: the most entries kept. */
    max_items: count(1).default(10_000),
    /** Memcached: several servers (`host:port`). Overrides host/port. */
    servers: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, { error: 'expected "host:port"' })).optional(),
    /** Redis Cluster: seed nodes. */
    cluster: z.strictObject({ nodes: z.array(node).min(1) }).optional(),
    /** Redis Sentinel: the master's name and the sentinels. */
    sentinel: z
      .strictObject({ name: z.string().min(1), nodes: z.array(node).min(1), password: z.string().optional() })
      .optional(),
    ...resourceKeys,
  })
  .transform(applyCacheUrl);
