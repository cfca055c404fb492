import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred, never, poolStats, suiteEnv, until } from './suite/suite-env.js';

/**
 * The database's health check when the application holds every connection (PostgreSQL): a
 * transaction holds a row lock, another waits on it, a third caller waits for a connection. The
 * check must not queue behind them and time out as `down` while the server answers.
 */
describe('PostgreSQL: the health check with every connection busy', () => {
  const env = suiteEnv('postgresql');
  let admin: Knex;

  beforeAll(async () => {
    admin = env.fixture().admin();
    await admin.schema.createTable('busy_rows', (t) => {
      t.integer('id').primary();
      t.integer('n').notNullable();
    });
    await admin('busy_rows').insert({ id: 1, n: 0 });
  });
  afterAll(async () => {
    await admin.destroy();
  });

  /** Two connections held (one holding a lock, one waiting on it) and a caller waiting for a third. */
  async function saturate(layer: Awaited<ReturnType<typeof env.start>>['layer']) {
    const release = deferred();
    const locked = deferred();
    const holder = layer.api.transaction(async (trx) => {
      await trx('busy_rows').where({ id: 1 }).forUpdate().first();
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    const waiter = layer.api.transaction((trx) => trx('busy_rows').where({ id: 1 }).increment('n', 1));
    await until(() => poolStats(layer).busy === 2, 'both connections busy');
    // knex builders are lazy: `then` sends it.
    const queued = layer.api
      .knex('busy_rows')
      .select('n')
      .then((rows) => rows);
    await until(() => poolStats(layer).pending === 1, 'a caller waiting for a connection');
    const done = async (): Promise<void> => {
      release.resolve();
      await Promise.all([holder, waiter, queued]);
    };
    return done;
  }

  it('says up at once when a statement was answered within the deadline', async () => {
    const { layer } = await env.start({ database: { timeout: 2 }, connection_pool: { max_connections: 2 } });
    const done = await saturate(layer);
    try {
      // Queued behind the lock holder, it would wait out its 2 s deadline and say `degraded`.
      expect(await layer.check(never())).toEqual({ status: 'up' });
    } finally {
      await done();
    }
  });

  it('waits for a connection, and says degraded, when no statement was answered within the deadline', async () => {
    const { layer } = await env.start({
      database: { timeout: 1 },
      connection_pool: { max_connections: 2, acquire_timeout: 10 },
    });
    const done = await saturate(layer);
    try {
      // Past the deadline since the last answer (the lock holder's SELECT ... FOR UPDATE).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const health = await layer.check(never());
      expect(health).toMatchObject({ status: 'degraded', reason: expect.stringContaining('every connection is busy') });
    } finally {
      await done();
    }
  });
});
