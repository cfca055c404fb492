import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { Registry } from 'prom-client';
import { configSchema, type StatorConfigInput } from '../../../src/config/schema.js';
import { EventBus, type StatorEvent } from '../../../src/kernel/event-bus.js';
import { createLogger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { systemClock, type Clock } from '../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../src/kernel/context.js';

/** The drivers the behavioural suite runs against. */
export type Driver = 'postgresql' | 'mysql' | 'sqlite';

/** Admin connection settings of the shared test servers. */
export const SERVERS = {
  postgresql: { client: 'pg', connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } },
  mysql: { client: 'mysql2', connection: { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' } },
} as const;

/** A database of this test file's own: created on the shared server (or a temp dir for SQLite), dropped after. */
export interface DbFixture {
  readonly driver: Driver;
  readonly name: string;
  readonly basePath: string;
  /** Config of a Stator pointed at this database, with `overrides` merged per section. */
  config(overrides?: StatorConfigInput): StatorConfigInput;
  /** A fresh runtime context (own bus, registry, secrets) on that config; `events` collects every event. */
  context(overrides?: StatorConfigInput, clock?: Clock): RuntimeContext & { readonly seen: StatorEvent[] };
  /** A plain knex with admin rights on this database, outside Stator (for checks and fault injection). */
  admin(): ReturnType<typeof knexFactory>;
  drop(): Promise<void>;
}

export async function createDbFixture(driver: Driver): Promise<DbFixture> {
  const name = `stator_db_${Math.random().toString(36).slice(2, 10)}`;
  const basePath = await mkdtemp(join(tmpdir(), 'stator-db-'));
  const admins: Array<ReturnType<typeof knexFactory>> = [];
  if (driver !== 'sqlite') {
    const root = knexFactory({ ...SERVERS[driver], pool: { min: 0, max: 1 } });
    await root.raw(`CREATE DATABASE ${name}`);
    await root.destroy();
  }
  const base = (): StatorConfigInput => ({
    database:
      driver === 'sqlite'
        ? { driver: 'sqlite', filename: 'test.sqlite', timeout: 5 }
        : {
            driver,
            host: '127.0.0.1',
            port: SERVERS[driver].connection.port,
            database: name,
            username: SERVERS[driver].connection.user,
            timeout: 5,
          },
    filesystem: { base_path: basePath },
    connection_pool: { max_connections: 5, acquire_timeout: 5 },
    monitoring: { performance_threshold: 60 },
  });
  const merge = (overrides: StatorConfigInput = {}): StatorConfigInput => {
    const out: Record<string, unknown> = { ...base() };
    for (const [k, v] of Object.entries(overrides)) out[k] = { ...(out[k] as object | undefined), ...(v as object) };
    return out as StatorConfigInput;
  };
  return {
    driver,
    name,
    basePath,
    config: merge,
    context(overrides, clock = systemClock) {
      const secrets = new SecretRegistry();
      const events = new EventBus(clock, secrets);
      const seen: StatorEvent[] = [];
      events.events$.subscribe((e) => seen.push(e));
      return {
        config: configSchema.parse(merge(overrides)),
        clock,
        logger: createLogger({ silent: true, secrets }),
        events,
        metrics: new Registry(),
        secrets,
        seen,
      };
    },
    admin() {
      const k =
        driver === 'sqlite'
          ? knexFactory({ client: 'better-sqlite3', connection: { filename: join(basePath, 'test.sqlite') }, useNullAsDefault: true })
          : knexFactory({ client: SERVERS[driver].client, connection: { ...SERVERS[driver].connection, database: name }, pool: { min: 0, max: 4 } });
      admins.push(k);
      return k;
    },
    async drop() {
      await Promise.all(admins.map((k) => k.destroy()));
      if (driver !== 'sqlite') {
        const root = knexFactory({ ...SERVERS[driver], pool: { min: 0, max: 1 } });
        if (driver === 'postgresql') {
          await root.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()', [name]);
        }
        await root.raw(`DROP DATABASE IF EXISTS ${name}`);
        await root.destroy();
      }
      await rm(basePath, { recursive: true, force: true });
    },
  };
}
