import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';

/** One database the knex-on-pool suite runs against, with its own database (or file). */
export interface KnexTarget {
  readonly name: 'postgresql' | 'mariadb' | 'sqlite';
  readonly client: string;
  /** Creates this file's database and returns the connection settings for it. */
  setUp(): Promise<Knex.Config['connection']>;
  tearDown(): Promise<void>;
  /** Server-side ids of the connections opened to this file's database (not `except`). */
  backendIds?(): Promise<number[]>;
  /** Terminates a connection from the server side. */
  kill?(id: number): Promise<void>;
  readonly useNullAsDefault?: boolean;
  /** The server's TCP port (server targets only). */
  readonly port?: number;
}

const dbName = `stator_pool_it_${process.pid}`;

function serverTarget(
  name: 'postgresql' | 'mariadb',
  client: string,
  admin: { host: string; port: number; user: string; database: string },
  sql: {
    ids: string;
    kill: (id: number) => string;
    create: string;
    drop: string;
  },
): KnexTarget {
  let adminDb: Knex | undefined;
  return {
    name,
    client,
    port: admin.port,
    async setUp() {
      adminDb = knex({ client, connection: admin, pool: { min: 0, max: 2 } });
      await adminDb.raw(sql.drop);
      await adminDb.raw(sql.create);
      return { ...admin, database: dbName };
    },
    async tearDown() {
      if (!adminDb) return;
      await adminDb.raw(sql.drop).catch(() => undefined);
      await adminDb.destroy();
    },
    async backendIds() {
      const result: unknown = await adminDb!.raw(sql.ids, [dbName]);
      const rows = (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows) as {
        id: number | string;
      }[];
      return rows.map((r) => Number(r.id));
    },
    async kill(id) {
      await adminDb!.raw(sql.kill(id));
    },
  };
}

export const postgresTarget = serverTarget(
  'postgresql',
  'pg',
  { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' },
  {
    ids: 'select pid as id from pg_stat_activity where datname = ? and pid <> pg_backend_pid()',
    kill: (id) => `select pg_terminate_backend(${id})`,
    create: `create database ${dbName}`,
    drop: `drop database if exists ${dbName} with (force)`,
  },
);

export const mariadbTarget = serverTarget(
  'mariadb',
  'mysql2',
  { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' },
  {
    ids: 'select id from information_schema.processlist where db = ? and id <> connection_id()',
    kill: (id) => `kill ${id}`,
    create: `create database ${dbName}`,
    drop: `drop database if exists ${dbName}`,
  },
);

export function sqliteTarget(): KnexTarget {
  let dir: string | undefined;
  return {
    name: 'sqlite',
    client: 'better-sqlite3',
    useNullAsDefault: true,
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'stator-pool-it-'));
      return { filename: join(dir, 'pool.db') };
    },
    async tearDown() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
