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

/**
 * A database server the suite runs against: the shared plain servers by default, or one a test
 * file started itself (the TLS-only servers of `test/integration/tls`).
 */
export interface DbServer {
  /** knex settings of an admin connection to it (no database chosen: `test`). */
  readonly admin: { readonly client: 'pg' | 'mysql2'; readonly connection: Readonly<Record<string, unknown>> };
  /** Its TCP port (what a fault test's proxy forwards to). */
  readonly port: number;
  /** Stator's `database` section for database `name` on it. */
  database(name: string): NonNullable<StatorConfigInput['database']>;
}

/** The shared plain server of `driver`. */
function sharedServer(driver: Exclude<Driver, 'sqlite'>): DbServer {
  return {
    admin: SERVERS[driver],
    port: SERVERS[driver].connection.port,
    database: (name) => ({
      driver,
      host: '127.0.0.1',
      port: SERVERS[driver].connection.port,
      database: name,
      username: SERVERS[driver].connection.user,
    }),
  };
}

/** Options of {@link DbFixture.context}. */
export interface ContextOptions {
  /** Subscribe to the event bus and collect its events in `seen` (default true). */
  readonly record?: boolean;
}

/** A database of this test file's own: created on the shared server (or a temp dir for SQLite), dropped after. */
export interface DbFixture {
  readonly driver: Driver;
  readonly name: string;
  readonly basePath: string;
  /** The server's port (server drivers). */
  readonly serverPort: number;
  /** Config of a Stator pointed at this database, with `overrides` merged per section. */
  config(overrides?: StatorConfigInput): StatorConfigInput;
  /**
   * A fresh runtime context (own bus, registry, secrets) on that config; `seen` collects every
   * event. With `record: false` nobody listens to the bus (`seen` stays empty), as in a service
   * without an event log: transactions then run their first attempt without a machine.
   */
  context(
    overrides?: StatorConfigInput,
    clock?: Clock,
    options?: ContextOptions,
  ): RuntimeContext & { readonly seen: StatorEvent[] };
  /** A plain knex with admin rights on this database, outside Stator (for checks and fault injection). */
  admin(): ReturnType<typeof knexFactory>;
  drop(): Promise<void>;
}

export async function createDbFixture(driver: Driver, given?: DbServer): Promise<DbFixture> {
  const name = `stator_db_${Math.random().toString(36).slice(2, 10)}`;
  const basePath = await mkdtemp(join(tmpdir(), 'stator-db-'));
  const admins: Array<ReturnType<typeof knexFactory>> = [];
  const server = driver === 'sqlite' ? undefined : (given ?? sharedServer(driver));
  if (server) {
    const root = knexFactory({ ...server.admin, pool: { min: 0, max: 1 } });
    await root.raw(`CREATE DATABASE ${name}`);
    await root.destroy();
  }
  const base = (): StatorConfigInput => ({
    database:
      server === undefined
        ? { driver: 'sqlite', filename: 'test.sqlite', timeout: 5 }
        : { ...server.database(name), timeout: 5 },
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
    serverPort: server?.port ?? 0,
    config: merge,
    context(overrides, clock = systemClock, options = {}) {
      const secrets = new SecretRegistry();
      const events = new EventBus(clock, secrets);
      const seen: StatorEvent[] = [];
      if (options.record !== false) events.events$.subscribe((e) => seen.push(e));
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
        server === undefined
          ? knexFactory({
              client: 'better-sqlite3',
              connection: { filename: join(basePath, 'test.sqlite') },
              useNullAsDefault: true,
            })
          : knexFactory({
              client: server.admin.client,
              connection: { ...server.admin.connection, database: name },
              pool: { min: 0, max: 4 },
            });
      admins.push(k);
      return k;
    },
    async drop() {
      await Promise.all(admins.map((k) => k.destroy()));
      if (server) {
        const root = knexFactory({ ...server.admin, pool: { min: 0, max: 1 } });
        if (driver === 'postgresql') {
          await root.raw(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()',
            [name],
          );
        }
        await root.raw(`DROP DATABASE IF EXISTS ${name}`);
        await root.destroy();
      }
      await rm(basePath, { recursive: true, force: true });
    },
  };
}
