import knexFactory, { type Knex } from 'knex';
import mysql from 'mysql2';
import pg from 'pg';
import { configSchema, type StatorConfigInput } from '../src/config/schema.js';
import { createDatabaseLayer, type DatabaseLayer } from '../src/database/index.js';
import { createLogger } from '../src/logging/logger.js';
import { createRuntimeContext } from '../src/runtime/create-context.js';
import { measure, printComparison, type Measurement } from './harness.js';

const POOL = 10;
const CONCURRENCY = [1, 16] as const;

/**
 * `SELECT 1` through `stator.db.knex` against plain knex (its own tarn pool) and the raw driver
 * pools (pg.Pool, mysql2's pool), on the shared PostgreSQL and MariaDB, at concurrency 1 and 16,
 * with pools of the same size. Target: stator.db.knex at least as fast as plain knex.
 */
export async function run(): Promise<void> {
  await postgres();
  await mariadb();
}

async function startStator(database: StatorConfigInput['database']): Promise<DatabaseLayer> {
  const config = configSchema.parse({ database, connection_pool: { max_connections: POOL }, monitoring: { performance_threshold: 60 } });
  const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
  const layer = createDatabaseLayer(ctx);
  await layer.start({ signal: new AbortController().signal, attempt: 1, dependencies: new Map() });
  return layer;
}

async function compare(title: string, cases: Array<[string, () => Promise<unknown>]>): Promise<void> {
  // knex builders are lazy thenables: `.then()` runs them and gives the harness a real Promise.
  for (const concurrency of CONCURRENCY) {
    const rows: Measurement[] = [];
    for (const [name, op] of cases) rows.push(await measure(`${name} (c=${concurrency})`, op, { concurrency }));
    printComparison(`${title}, concurrency ${concurrency}`, rows);
  }
}

async function postgres(): Promise<void> {
  const connection = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
  const stator = await startStator({ driver: 'postgresql', host: connection.host, port: connection.port, username: connection.user, database: connection.database });
  const plain: Knex = knexFactory({ client: 'pg', connection, pool: { min: 0, max: POOL } });
  const pool = new pg.Pool({ ...connection, max: POOL });
  try {
    await compare('database: SELECT 1 on PostgreSQL', [
      ['plain knex (tarn)', () => plain.raw('SELECT 1').then()],
      ['stator.db.knex', () => stator.api.knex.raw('SELECT 1').then()],
      ['pg.Pool', () => pool.query('SELECT 1')],
    ]);
  } finally {
    await stator.stop(AbortSignal.timeout(5000));
    await plain.destroy();
    await pool.end();
  }
}

async function mariadb(): Promise<void> {
  const connection = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' };
  const stator = await startStator({ driver: 'mysql', host: connection.host, port: connection.port, username: connection.user, database: connection.database });
  const plain: Knex = knexFactory({ client: 'mysql2', connection, pool: { min: 0, max: POOL } });
  const pool = mysql.createPool({ ...connection, connectionLimit: POOL }).promise();
  try {
    await compare('database: SELECT 1 on MariaDB', [
      ['plain knex (tarn)', () => plain.raw('SELECT 1').then()],
      ['stator.db.knex', () => stator.api.knex.raw('SELECT 1').then()],
      ['mysql2 pool', () => pool.query('SELECT 1')],
    ]);
  } finally {
    await stator.stop(AbortSignal.timeout(5000));
    await plain.destroy();
    await pool.end();
  }
}
