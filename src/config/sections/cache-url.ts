import type { z } from 'zod';
import { readSectionUrl, UrlSyntaxProblem, type ConnectionUrl } from '../connection-url.js';
import type { CacheTls } from './tls.js';

/** The cache drivers, as `cache.driver` names them. */
export type CacheDriverName = 'memory' | 'redis' | 'memcached';

/** A Sentinel (or node) address. */
export interface SentinelNode {
  host: string;
  port: number;
}

/** `cache.sentinel` as the URL or the keys give it. */
export interface Sentinel {
  name: string;
  nodes: SentinelNode[];
  password?: string | undefined;
}

/** What the URL contributes; keys written beside it win. */
interface FromUrl {
  driver?: CacheDriverName;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  servers?: string[];
  sentinel?: Sentinel;
  tls?: boolean;
}

const EXAMPLE =
  'rediss://app@cache.example.com:6380/0, redis+sentinel://s1:26379,s2:26379/master or memcached://app@mc1:11211,mc2:11211 (password after the user name, as in user:password, percent-encoded)';

const hostPort = (h: ConnectionUrl['hosts'][number], port: number): string =>
  `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port ?? port}`;

function noParams(url: ConnectionUrl): void {
  const [first] = [...url.params.keys()];
  if (first !== undefined) {
    throw new UrlSyntaxProblem(
      `the parameter "${first}" is not supported; give TLS as cache.tls and other settings as cache keys`,
    );
  }
}

function dbNumber(text: string): number {
  if (!/^\d{1,5}$/.test(text))
    throw new UrlSyntaxProblem('its path is not a Redis database number (/0 to /15 usually)');
  return Number(text);
}

function fromUrl(url: ConnectionUrl): FromUrl {
  noParams(url);
  const credentials = {
    ...(url.username !== undefined ? { username: url.username } : {}),
    ...(url.password !== undefined ? { password: url.password } : {}),
  };
  if (url.hosts.length === 0) throw new UrlSyntaxProblem(`it names no host; write ${EXAMPLE}`);
  switch (url.scheme) {
    case 'redis':
    case 'rediss': {
      if (url.hosts.length > 1)
        throw new UrlSyntaxProblem(
          'it names several hosts; list the nodes of a Redis Cluster under cache.cluster.nodes',
        );
      const [h] = url.hosts as [ConnectionUrl['hosts'][number]];
      return {
        driver: 'redis',
        host: h.host,
        port: h.port ?? 6379,
        ...(url.path !== '' ? { db: dbNumber(url.path) } : {}),
        ...credentials,
        tls: url.scheme === 'rediss',
      };
    }
    case 'redis+sentinel':
    case 'rediss+sentinel': {
      const [name, db, extra] = url.path.split('/');
      if (!name || extra !== undefined)
        throw new UrlSyntaxProblem('its path is not /<master name> or /<master name>/<db>');
      return {
        driver: 'redis',
        sentinel: { name, nodes: url.hosts.map((h) => ({ host: h.host, port: h.port ?? 26379 })) },
        ...(db !== undefined && db !== '' ? { db: dbNumber(db) } : {}),
        ...credentials,
        tls: url.scheme === 'rediss+sentinel',
      };
    }
    case 'memcached': {
      if (url.path !== '')
        throw new UrlSyntaxProblem(
          'it has a path; Memcached URLs are memcached://[user:password@]host:port[,host:port...]',
        );
      const servers = url.hosts.map((h) => hostPort(h, 11211));
      const [h] = url.hosts as [ConnectionUrl['hosts'][number]];
      return {
        driver: 'memcached',
        ...(servers.length > 1 ? { servers } : { host: h.host, port: h.port ?? 11211 }),
        ...credentials,
      };
    }
    default:
      throw new UrlSyntaxProblem(
        `the scheme "${url.scheme}://" is not one of redis://, rediss://, redis+sentinel://, rediss+sentinel://, memcached://`,
      );
  }
}

/** The section's keys this step reads; the rest pass through. */
export interface CacheSectionWritten {
  driver?: CacheDriverName | undefined;
  url?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  db?: number | undefined;
  username?: string | undefined;
  password?: string | undefined;
  servers?: string[] | undefined;
  sentinel?: Sentinel | undefined;
  tls?: CacheTls | undefined;
}

/**
 * Fills the cache section from `cache.url`: keys written beside the URL win over the URL's parts,
 * then the defaults (`memory`, `127.0.0.1`, db 0) apply. `rediss://` turns TLS on with
 * `cache.tls`'s settings (or Node's trusted CAs when there is none). TLS with Memcached is refused:
 * memjs has none.
 */
export function applyCacheUrl<T extends CacheSectionWritten>(section: T, ctx: z.RefinementCtx) {
  const url: FromUrl = readSectionUrl(section.url, EXAMPLE, ctx, fromUrl);
  if (section.driver !== undefined && url.driver !== undefined && section.driver !== url.driver) {
    ctx.issues.push({
      code: 'custom',
      path: ['driver'],
      input: section.driver,
      message: `expected ${url.driver} to match the scheme of cache.url; remove cache.driver (the URL decides) or fix the URL`,
    });
  }
  const driver = section.driver ?? url.driver ?? 'memory';
  const tls: CacheTls | undefined = section.tls ?? (url.tls ? { reject_unauthorized: true } : undefined);
  if (driver === 'memcached' && tls !== undefined) {
    ctx.issues.push({
      code: 'custom',
      path: ['tls'],
      input: section.tls,
      message:
        'is not available with memcached: memjs speaks no TLS; reach Memcached through a TLS tunnel (stunnel, ghostunnel, a service mesh) or use Redis with TLS',
    });
  }
  const { url: _url, ...rest } = section;
  const sentinel = section.sentinel ?? url.sentinel;
  const servers = section.servers ?? url.servers;
  return {
    ...rest,
    driver,
    host: section.host ?? url.host ?? '127.0.0.1',
    port: section.port ?? url.port,
    db: section.db ?? url.db ?? 0,
    username: section.username ?? url.username,
    password: section.password ?? url.password,
    ...(servers !== undefined ? { servers } : {}),
    ...(sentinel !== undefined ? { sentinel } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
}
