/**
 * What Stator costs over TLS, against the raw drivers over the same TLS, in one run: `SELECT 1`
 * through `stator.db.knex` against `pg.Pool`, and `stator.cache` `get` against plain ioredis,
 * each on a TLS-only server started here (a throwaway CA; PostgreSQL and Redis on ports
 * 20390–20391, see `test/integration/tls/tls-servers.ts`), with certificate verification
 * (verify-full). The same comparison runs on the shared plain servers, and the TLS ratio must be
 * within 10% of the plain one: TLS must not change what Stator adds. Paired rounds
 * ({@link comparePaired}): the ratio is the median of per-round ratios.
 *
 * Cache get at 32 in flight has a second baseline: plain ioredis with the same tick write
 * coalescing the Stator driver does ({@link TickWriteCoalescer}). Without TLS, plain ioredis
 * makes one `write` system call per command, which is most of its CPU per call, and Stator's
 * lead over it is that saving. A `TLSSocket` already coalesces by itself: while one encrypted
 * write is out (Node finishes even a write that completed at once on the next `setImmediate`),
 * the next requests are encrypted into the TLS buffer and leave together. Over TLS plain ioredis
 * gets that saving for free and corking adds nothing, so the ratio to plain ioredis cannot stay
 * the same; the ratio to ioredis with the same coalescing (what Stator adds: pipeline, codec,
 * deadlines) is the one TLS must not change.
 */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import { createCacheLayer, type CacheLayer } from '../src/cache/index.js';
import { configSchema, type StatorConfigInput } from '../src/config/schema.js';
import { createDatabaseLayer, type DatabaseLayer } from '../src/database/index.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { createLogger } from '../src/logging/logger.js';
import {
  makeCertificates,
  makeTempDir,
  removeTempDir,
  startPostgres,
  startRedisTls,
  USERS,
} from '../test/integration/tls/tls-servers.js';
import { TickWriteCoalescer } from '../src/kernel/tick-write-coalescer.js';
import { comparePaired } from './harness.js';

const PG_PORT = 20390;
const REDIS_PORT = 20391;
const POOL = 10;
const SIGNAL = new AbortController().signal;
const PREFIX = `stator-bench-tls:${process.pid}:`;
const VALUE = JSON.stringify({ id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true, score: 97.5 });
const rounds = (): number => Number(process.env.BENCH_ROUNDS ?? 15);

/** The ratio of stator to the raw client, for one setup and concurrency. */
type Ratios = Map<string, number>;

function verdict(what: string, tls: Ratios, plain: Ratios, raw = 'raw'): void {
  for (const [key, ratio] of tls) {
    const base = plain.get(key);
    if (base === undefined) continue;
    const change = ratio / base - 1;
    const within = Math.abs(change) <= 0.1 ? 'within' : 'NOT within';
    console.log(
      `target: ${what} ${key}: stator/${raw} ${ratio.toFixed(2)}x over TLS vs ${base.toFixed(2)}x plain (${(change * 100).toFixed(1)}%), ${within} 10%`,
    );
  }
}

async function databaseLayer(database: StatorConfigInput['database']): Promise<DatabaseLayer> {
  const config = configSchema.parse({
    database,
    connection_pool: { max_connections: POOL },
    monitoring: { performance_threshold: 60 },
  });
  const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
  const layer = createDatabaseLayer(ctx);
  await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  return layer;
}

async function selectOne(title: string, raw: pg.Pool, layer: DatabaseLayer): Promise<Ratios> {
  const ratios: Ratios = new Map();
  const knex = layer.api.knex;
  for (const concurrency of [1, 16]) {
    const results = await comparePaired(
      `SELECT 1, ${title}, concurrency ${concurrency}`,
      [
        { name: 'pg.Pool', call: () => raw.query('SELECT 1') },
        { name: 'stator.db.knex', call: () => knex.raw('SELECT 1').then((r) => r) },
      ],
      { concurrency, rounds: rounds() },
    );
    ratios.set(`c=${concurrency}`, results[1]?.ratio ?? Number.NaN);
  }
  return ratios;
}

async function cacheLayer(cache: NonNullable<StatorConfigInput['cache']>): Promise<CacheLayer> {
  const config = configSchema.parse({ cache: { ...cache, key_prefix: `${PREFIX}stator:` } });
  const layer = createCacheLayer(createRuntimeContext({ config, logger: createLogger({ silent: true }) }));
  await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  return layer;
}

/** Stator's ratio to plain ioredis, and (at 32 in flight) to ioredis with the same write coalescing. */
interface CacheRatios {
  readonly raw: Ratios;
  readonly coalesced: Ratios;
}

async function cacheGet(
  title: string,
  options: RedisOptions,
  cache: NonNullable<StatorConfigInput['cache']>,
): Promise<CacheRatios> {
  const raw = new Redis({ ...options, lazyConnect: true });
  const corked = new Redis({ ...options, lazyConnect: true });
  await Promise.all([raw.connect(), corked.connect()]);
  const writes = new TickWriteCoalescer();
  const layer = await cacheLayer(cache);
  const ratios: Ratios = new Map();
  const coalesced: Ratios = new Map();
  const parse = (text: string | null): unknown => (text === null ? undefined : (JSON.parse(text) as unknown));
  try {
    for (let i = 0; i < 64; i++) {
      await raw.set(`${PREFIX}raw:k${i}`, VALUE);
      await layer.api.set(`k${i}`, JSON.parse(VALUE) as unknown);
    }
    for (const concurrency of [1, 32]) {
      let a = 0;
      let b = 0;
      let c = 0;
      const results = await comparePaired(
        `cache get, ${title}, concurrency ${concurrency}`,
        [
          { name: 'plain ioredis', call: () => raw.get(`${PREFIX}raw:k${a++ & 63}`).then(parse) },
          { name: 'stator.cache (redis)', call: () => layer.api.get(`k${b++ & 63}`) },
          ...(concurrency > 1
            ? [
                {
                  name: 'ioredis + tick write coalescing',
                  call: () => {
                    writes.hold(corked.stream);
                    return corked.get(`${PREFIX}raw:k${c++ & 63}`).then(parse);
                  },
                },
              ]
            : []),
        ],
        { concurrency, rounds: rounds() },
      );
      const [, stator, best] = results;
      ratios.set(`c=${concurrency}`, stator?.ratio ?? Number.NaN);
      if (stator && best) coalesced.set(`c=${concurrency}`, stator.ratio / best.ratio);
    }
  } finally {
    const keys = await raw.keys(`${PREFIX}*`);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
    corked.disconnect();
    await layer.stop(SIGNAL);
  }
  return { raw: ratios, coalesced };
}

export async function run(): Promise<void> {
  const dir = makeTempDir('bench');
  const certs = makeCertificates(dir);
  const servers = await Promise.all([startPostgres(dir, certs, PG_PORT), startRedisTls(dir, certs, REDIS_PORT)]);
  const ca = readFileSync(certs.ca);
  try {
    // PostgreSQL: TLS (verify-full, through a URL) and the shared plain server.
    const tlsPool = new pg.Pool({
      host: '127.0.0.1',
      port: PG_PORT,
      user: USERS.app.name,
      password: USERS.app.password,
      database: 'test',
      max: POOL,
      ssl: { ca },
    });
    const tlsLayer = await databaseLayer({
      url: `postgres://${USERS.app.name}:${encodeURIComponent(USERS.app.password)}@127.0.0.1:${PG_PORT}/test?sslmode=verify-full`,
      ssl: { ca_file: certs.ca },
    });
    const pgTls = await selectOne('PostgreSQL over TLS (verify-full)', tlsPool, tlsLayer);
    await tlsLayer.stop(SIGNAL);
    await tlsPool.end();
    const plainPool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: POOL });
    const plainLayer = await databaseLayer({
      driver: 'postgresql',
      host: '127.0.0.1',
      port: 5432,
      username: 'postgres',
      database: 'test',
    });
    const pgPlain = await selectOne('PostgreSQL plain', plainPool, plainLayer);
    await plainLayer.stop(SIGNAL);
    await plainPool.end();
    verdict('SELECT 1', pgTls, pgPlain);

    // Redis: TLS-only (rediss:// URL, ACL user, verified certificate) and the shared plain server.
    const redisTls = await cacheGet(
      'Redis over TLS (verified)',
      { host: '127.0.0.1', port: REDIS_PORT, username: USERS.app.name, password: USERS.app.password, tls: { ca } },
      {
        url: `rediss://${USERS.app.name}:${encodeURIComponent(USERS.app.password)}@127.0.0.1:${REDIS_PORT}`,
        tls: { ca_file: certs.ca },
      },
    );
    const redisPlain = await cacheGet(
      'Redis plain',
      { host: '127.0.0.1', port: 6379 },
      { driver: 'redis', host: '127.0.0.1', port: 6379 },
    );
    verdict('cache get', redisTls.raw, redisPlain.raw);
    verdict('cache get', redisTls.coalesced, redisPlain.coalesced, 'coalesced ioredis');
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    removeTempDir(dir);
  }
}
