import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import { FleetReader } from '../../../src/status/fleet/fleet-reader.js';
import { fleetSettings } from '../../../src/status/fleet/fleet-settings.js';
import { isCacheUnreachableError } from '../../../src/errors/cache-unreachable-error.js';
import { isConfigInvalidError } from '../../../src/errors/config-invalid-error.js';
import { classifyError } from '../../../src/resilience/index.js';
import { cacheTestContext, uniquePrefix, type CacheConfigInput } from '../../unit/cache/test-context.js';
import {
  makeCertificates,
  makeTempDir,
  removeTempDir,
  startMemcachedSasl,
  startRedisClusterTls,
  startRedisTls,
  startSentinelTls,
  USERS,
  type Certificates,
  type Started,
} from './tls-servers.js';

// TLS-only Redis (single node with ACL users, and a 3-master Cluster) and Memcached with SASL,
// this file's own: ports 20302–20306 (see tls-servers.ts).
const REDIS = 20302;
const CLUSTER = [20303, 20304, 20305] as const;
const MEMCACHED = 20306;
const EXPIRED = 20307;
const SENTINEL = { master: 20308, sentinel: 20309 } as const;
const SIGNAL = new AbortController().signal;

let dir = '';
let certs: Certificates;
const servers: Started[] = [];

beforeAll(async () => {
  dir = makeTempDir('cache');
  certs = makeCertificates(dir);
  const [redis, memcached, cluster, sentinel] = await Promise.all([
    startRedisTls(dir, certs, REDIS),
    startMemcachedSasl(dir, MEMCACHED),
    startRedisClusterTls(dir, certs, CLUSTER),
    startSentinelTls(dir, certs, 'tlsmaster', SENTINEL.master, SENTINEL.sentinel),
  ]);
  servers.push(redis, memcached, ...cluster, ...sentinel);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  removeTempDir(dir);
});

const pw = encodeURIComponent(USERS.app.password);
const redisUrl = (scheme: string, user = `${USERS.app.name}:${pw}`): string => `${scheme}://${user}@127.0.0.1:${REDIS}`;

/** Starts a cache layer on `cache`; the caller stops it. */
async function started(cache: CacheConfigInput): Promise<CacheLayer> {
  const layer = createCacheLayer(
    cacheTestContext({ key_prefix: uniquePrefix('tls'), timeout: 3, retry_delay: 0.2, ...cache }),
  );
  await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  return layer;
}

/** A round trip through the layer. */
async function roundTrip(cache: CacheConfigInput): Promise<unknown> {
  const layer = await started(cache);
  try {
    await layer.api.set('k', { v: 42 });
    return await layer.api.get('k');
  } finally {
    await layer.api.delete('k');
    await layer.stop(SIGNAL);
  }
}

/** The error the start failed with (it must fail). */
async function startError(cache: CacheConfigInput): Promise<Error> {
  const layer = createCacheLayer(
    cacheTestContext({ key_prefix: uniquePrefix('tls'), timeout: 3, retry_delay: 0.2, ...cache }),
  );
  try {
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  } catch (error) {
    expect(isCacheUnreachableError(error), String(error)).toBe(true);
    return error as Error;
  } finally {
    await layer.stop(SIGNAL).catch(() => undefined);
  }
  throw new Error('start succeeded, a failure was expected');
}

describe('Redis over TLS only (--port 0 --tls-port), ACL users', () => {
  it('connects through a rediss:// URL as the ACL user, verifying the certificate against the CA', async () => {
    expect(await roundTrip({ url: redisUrl('rediss'), tls: { ca_file: certs.ca } })).toEqual({ v: 42 });
  });

  it('fails start naming an unknown CA (wrong CA, and no CA given)', async () => {
    expect((await startError({ url: redisUrl('rediss'), tls: { ca_file: certs.otherCa } })).message).toMatch(
      /unknown CA.*cache\.tls\.ca_file/,
    );
    expect((await startError({ url: redisUrl('rediss') })).message).toMatch(/unknown CA/);
  });

  it('fails start naming a host name mismatch', async () => {
    const error = await startError({
      url: redisUrl('rediss'),
      tls: { ca_file: certs.ca, servername: 'cache.elsewhere.test' },
    });
    expect(error.message).toMatch(/host name mismatch.*cache\.elsewhere\.test/);
  });

  it('fails start naming an expired certificate', async () => {
    // A TLS endpoint whose certificate (signed by the right CA) expired in 2020.
    const server = createServer(
      { cert: readFileSync(certs.expiredCert), key: readFileSync(`${certs.dir}/expired.key`) },
      (socket) => socket.destroy(),
    );
    await new Promise<void>((done) => server.listen(EXPIRED, '127.0.0.1', done));
    try {
      const error = await startError({ url: `rediss://127.0.0.1:${EXPIRED}`, tls: { ca_file: certs.ca } });
      expect(error.message).toMatch(
        /TLS: the server's certificate expired.* \(CERT_HAS_EXPIRED\); renew it on the server/,
      );
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('says the server may want TLS when a plain redis:// connection is cut', async () => {
    expect((await startError({ url: redisUrl('redis') })).message).toMatch(
      /accepts only TLS, use a rediss:\/\/ URL or set cache\.tls/,
    );
  });

  it('refuses a wrong ACL password and a missing user, naming the credentials, as a failure that is not retried', async () => {
    const wrong = await startError({
      url: redisUrl('rediss', `${USERS.app.name}:not-the-password`),
      tls: { ca_file: certs.ca },
    });
    expect(wrong.message).toMatch(/Redis refused the credentials \(WRONGPASS/);
    expect(classifyError(wrong)).toMatchObject({ kind: 'authentication', transient: false });
    const anonymous = await startError({ url: `rediss://127.0.0.1:${REDIS}`, tls: { ca_file: certs.ca } });
    expect(anonymous.message).toMatch(/Redis refused the credentials \(NOAUTH/);
  });

  it('takes the ACL user and password from separate keys too (keys beside the URL win)', async () => {
    expect(
      await roundTrip({
        url: redisUrl('rediss', `${USERS.app.name}:wrong`),
        password: USERS.app.password,
        tls: { ca_file: certs.ca },
      }),
    ).toEqual({ v: 42 });
  });
});

describe('fleet heartbeats to a TLS-only Redis with an ACL user', () => {
  /** Starts a Stator (embedded database) with `config`, lists its fleet over TLS, stops it. */
  const listed = async (config: Omit<StatorConfigInput, 'filesystem'>): Promise<string[]> => {
    const base = makeTempDir('fleet');
    const stator = createStator({
      logger: createLogger({ silent: true }),
      config: { ...config, filesystem: { base_path: base }, shutdown: { drain_delay: 0 } },
    });
    const settings = fleetSettings(loadConfig({ ...config, filesystem: { base_path: base } }));
    if (!settings) throw new Error('the fleet is off');
    const reader = new FleetReader(settings);
    try {
      await stator.start();
      // The first heartbeat goes out on start; poll until Redis has it (no time limit: the test's own).
      let instances = await reader.list();
      while (instances.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        instances = await reader.list();
      }
      return instances.map((i) => `${i.service}/${i.instance}/${i.status}`);
    } finally {
      reader.close();
      await stator.stop();
      removeTempDir(base);
    }
  };

  it("publishes through the cache's Redis over its TLS and ACL user (fleet on by default)", async () => {
    const cache = {
      driver: 'redis',
      url: redisUrl('rediss'),
      tls: { ca_file: certs.ca },
      key_prefix: 'fleet-a:',
    } as const;
    expect(await listed({ cache, fleet: { service: 'tls-a', instance: 'one', interval: 0.2 } })).toEqual([
      'tls-a/one/up',
    ]);
  });

  it('publishes to fleet.redis with its own TLS, user and password', async () => {
    const redis = {
      port: REDIS,
      username: USERS.app.name,
      password: USERS.app.password,
      tls: { ca_file: certs.ca },
    };
    expect(await listed({ fleet: { service: 'tls-b', instance: 'two', interval: 0.2, redis } })).toEqual([
      'tls-b/two/up',
    ]);
  });

  it('fails start naming fleet.redis.tls when its CA file cannot be read', () => {
    const config = { fleet: { redis: { port: REDIS, tls: { ca_file: `${certs.dir}/missing-ca.pem` } } } };
    expect(() => fleetSettings(loadConfig(config))).toThrow(/fleet\.redis\.tls/);
  });
});

describe('Redis Cluster over TLS (3 masters, tls-cluster)', () => {
  const nodes = CLUSTER.map((port) => ({ host: '127.0.0.1', port }));

  it('connects to every master over TLS and spreads keys over them', async () => {
    const layer = await started({ driver: 'redis', cluster: { nodes }, tls: { ca_file: certs.ca } });
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `spread:${i}`);
      await Promise.all(keys.map((k, i) => layer.api.set(k, i)));
      expect(await layer.api.getMany(keys)).toEqual(keys.map((_, i) => i));
      expect(Object.keys((layer.details?.() as { nodes: Record<string, unknown> }).nodes).sort()).toEqual(
        CLUSTER.map((p) => `127.0.0.1:${p}`),
      );
      await layer.api.invalidate({ keys });
    } finally {
      await layer.stop(SIGNAL);
    }
  });

  it('fails start naming an unknown CA', async () => {
    expect(
      (await startError({ driver: 'redis', cluster: { nodes }, tls: { ca_file: certs.otherCa } })).message,
    ).toMatch(/unknown CA/);
  });
});

describe('Redis Sentinel over TLS (the Sentinel and the master both TLS-only)', () => {
  it('finds the master through a rediss+sentinel:// URL and talks TLS to both', async () => {
    expect(
      await roundTrip({
        url: `rediss+sentinel://127.0.0.1:${SENTINEL.sentinel}/tlsmaster`,
        tls: { ca_file: certs.ca },
      }),
    ).toEqual({ v: 42 });
  });

  it('fails start naming an unknown CA', async () => {
    const error = await startError({
      url: `rediss+sentinel://127.0.0.1:${SENTINEL.sentinel}/tlsmaster`,
      tls: { ca_file: certs.otherCa },
    });
    expect(error.message).toMatch(/unknown CA/);
  });
});

describe('Memcached with SASL (memjs)', () => {
  it('authenticates through a memcached:// URL', async () => {
    expect(await roundTrip({ url: `memcached://${USERS.app.name}:${pw}@127.0.0.1:${MEMCACHED}` })).toEqual({ v: 42 });
  });

  it('refuses wrong and missing credentials, naming SASL, as a failure that is not retried', async () => {
    const wrong = await startError({ url: `memcached://${USERS.app.name}:nope@127.0.0.1:${MEMCACHED}` });
    expect(wrong.message).toMatch(/Memcached refused the SASL credentials/);
    expect(classifyError(wrong)).toMatchObject({ kind: 'authentication', transient: false });
    const none = await startError({ driver: 'memcached', host: '127.0.0.1', port: MEMCACHED });
    expect(none.message).toMatch(/Memcached refused the SASL credentials/);
  });

  it('refuses cache.tls with memcached before connecting: memjs has no TLS', () => {
    let caught: unknown;
    try {
      loadConfig({ cache: { url: `memcached://127.0.0.1:${MEMCACHED}`, tls: { ca_file: certs.ca } } });
    } catch (error) {
      caught = error;
    }
    expect(isConfigInvalidError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/cache\.tls: is not available with memcached: memjs speaks no TLS/);
  });
});
