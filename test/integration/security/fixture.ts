import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createCacheLayer } from '../../../src/cache/index.js';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { createDatabaseLayer } from '../../../src/database/database-layer.js';
import { createFilesystemLayer } from '../../../src/filesystem/index.js';
import { createLogger, type Logger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import type { Clock } from '../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../src/kernel/context.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import type { ResourceLayer } from '../../../src/kernel/layer.js';
import { secureStator, type SecuredStator } from '../../../src/security/secure-stator.js';
import type { StatorCache } from '../../../src/cache/types.js';
import type { StatorDb } from '../../../src/database/database-api.js';
import type { StatorFs } from '../../../src/filesystem/filesystem-api.js';

/** A Stator made of the real layers, started by hand (the runtime's createStator does the same in order). */
export interface SecuredRig extends SecuredStator {
  readonly context: RuntimeContext;
  readonly cache: StatorCache;
  readonly fs: StatorFs;
  readonly db: StatorDb;
  readonly basePath: string;
  stop(): Promise<void>;
}

/** Creates (and later drops) a PostgreSQL database of the given name. */
export async function withPgDatabase(name: string): Promise<() => Promise<void>> {
  const admin = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return async () => {
    const c = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
}

/** Creates (and later drops) a MariaDB/MySQL database of the given name. */
export async function withMysqlDatabase(name: string): Promise<() => Promise<void>> {
  const mysql = await import('mysql2/promise');
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  return async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.end();
  };
}

/** Deletes every Redis key under `prefix` (never FLUSHALL on the shared server). */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

export async function tempBase(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `stator-sec-${name}-`));
}

export async function removeBase(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Starts filesystem, cache and database layers of `config` and secures them. */
export async function startRig(
  config: StatorConfigInput,
  options: { clock?: Clock; logger?: Logger; secrets?: SecretRegistry } = {},
): Promise<SecuredRig> {
  const secrets = options.secrets ?? new SecretRegistry();
  const loaded = loadConfig(config, { secrets });
  const context = createRuntimeContext({
    config: loaded,
    secrets,
    logger: options.logger ?? createLogger({ silent: true, secrets }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const fsLayer = createFilesystemLayer(context);
  const cacheLayer = createCacheLayer(context);
  const dbLayer = createDatabaseLayer(context, {
    invalidate: async (spec) => void (await cacheLayer.api.invalidate(spec)),
  });
  const started: ResourceLayer[] = [];
  const signal = new AbortController().signal;
  const stop = async (): Promise<void> => {
    for (const layer of started.reverse()) await layer.stop(new AbortController().signal).catch(() => undefined);
  };
  try {
    for (const layer of [fsLayer, cacheLayer] as ResourceLayer[]) {
      await layer.start({ signal, attempt: 1, dependencies: new Map() });
      started.push(layer);
    }
    await dbLayer.start({
      signal,
      attempt: 1,
      dependencies: new Map<string, ResourceLayer>([
        ['filesystem', fsLayer],
        ['cache', cacheLayer],
      ]),
    });
    started.push(dbLayer);
  } catch (error) {
    await stop();
    throw error;
  }
  const stator = { context, cache: cacheLayer.api, fs: fsLayer.api, db: dbLayer.api };
  const secured = secureStator(stator);
  await secured.security.ready();
  return { ...stator, ...secured, basePath: loaded.filesystem.base_path, stop };
}
