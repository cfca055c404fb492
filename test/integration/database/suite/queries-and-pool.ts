import { describe, expect, it } from 'vitest';
import { isDatabaseDependencyError } from '../../../../src/errors/database-dependency-error.js';
import { isDatabaseNotReadyError } from '../../../../src/errors/database-not-ready-error.js';
import { isDatabaseUnreachableError } from '../../../../src/errors/database-unreachable-error.js';
import { isPoolTimeoutError } from '../../../../src/errors/pool-timeout-error.js';
import { createDatabaseLayer } from '../../../../src/database/index.js';
import { TestClock } from '../../../../src/kernel/clock.js';
import type { ResourceLayer } from '../../../../src/kernel/layer.js';
import { deferred, never, poolStats, until, type SuiteEnv } from './suite-env.js';

/** Queries, pool limits, acquire timeout, leak report, validation, idle retirement, start failures. */
export function queriesAndPool(env: SuiteEnv): void {
  describe('queries and pool', () => {
    it('runs knex queries of every kind on the pool', async () => {
      const { layer } = await env.start();
      const knex = layer.api.knex;
      await knex.schema.createTable('q_items', (t) => {
        t.increments('id');
        t.string('name').notNullable();
        t.integer('qty').notNullable().defaultTo(0);
      });
      await knex('q_items').insert([
        { name: 'a', qty: 1 },
        { name: 'b', qty: 2 },
        { name: 'c', qty: 3 },
      ]);
      expect(await knex('q_items').where('qty', '>', 1).orderBy('name').pluck('name')).toEqual(['b', 'c']);
      expect(await knex('q_items').where({ name: 'a' }).update({ qty: 10 })).toBe(1);
      expect(await knex('q_items').where({ name: 'b' }).del()).toBe(1);
      const [{ total }] = (await knex('q_items').sum({ total: 'qty' })) as Array<{ total: number | string }>;
      expect(Number(total)).toBe(13);
      expect(poolStats(layer)).toMatchObject({ busy: 0, pending: 0 });
      expect(await layer.check(never())).toEqual({ status: 'up' });
    });

    it('never opens more than max connections, and queues the rest in order', async () => {
      const max = env.driver === 'sqlite' ? 1 : 3;
      const { layer } = await env.start({ connection_pool: { max_connections: 3 } });
      let peak = 0;
      const order: number[] = [];
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          await layer.api.knex.raw('select 1 as one');
          order.push(i);
          peak = Math.max(peak, poolStats(layer).total);
        }),
      );
      expect(order).toHaveLength(20);
      expect(peak).toBeLessThanOrEqual(max);
      expect(poolStats(layer)).toMatchObject({ busy: 0, pending: 0, max });
    });

    it('fails an acquire after acquire_timeout with an error naming the busy connections and the oldest lease', async () => {
      const max = env.driver === 'sqlite' ? 1 : 2;
      const { layer } = await env.start({ connection_pool: { max_connections: 2, acquire_timeout: 0.5 } });
      const hold = deferred();
      const holders = Array.from({ length: max }, () => layer.api.transaction(() => hold.promise));
      await until(() => poolStats(layer).busy === max, 'every connection busy');
      const waiting = layer.api.knex.raw('select 1 as one').then(
        () => undefined,
        (e: unknown) => e,
      );
      await until(() => poolStats(layer).pending === 1, 'a waiting acquire');
      const error: unknown = await waiting;
      expect(isPoolTimeoutError(error)).toBe(true);
      expect((error as Error).message).toContain(`${max} of ${max} connections are busy`);
      expect((error as Error).message).toMatch(/oldest lease \(conn-\d+\) is held by/);
      expect((error as Error).message).toContain('queries-and-pool');
      hold.resolve();
      await Promise.all(holders);
      await layer.api.knex.raw('select 1 as one');
      expect(poolStats(layer)).toMatchObject({ busy: 0, pending: 0 });
    });

    it('reports a lease held past leak_threshold, with where it was acquired, and again when it comes back', async () => {
      const { layer, ctx } = await env.start({ connection_pool: { leak_threshold: 0.2 } });
      const hold = deferred();
      const tx = layer.api.transaction(() => hold.promise);
      await until(
        () => ctx.seen.some((e) => e.source === 'pool.database' && e.type === 'leak.suspected'),
        'leak report',
      );
      const report = ctx.seen.find((e) => e.type === 'leak.suspected');
      expect(report?.data).toMatchObject({ connection: expect.stringMatching(/^conn-\d+$/) });
      // The transaction named its caller (this file), though knex acquired in a later tick.
      expect(String(report?.data?.site)).toContain('queries-and-pool');
      expect(Number(report?.data?.heldMs)).toBeGreaterThanOrEqual(200);
      hold.resolve();
      await tx;
      await until(() => ctx.seen.some((e) => e.type === 'leak.returned'), 'leak return report');
    });

    it('retires a connection that broke while idle and serves the next query on a fresh one', async () => {
      const { layer } = await env.start({ connection_pool: { max_connections: 1 } });
      const knex = layer.api.knex;
      await knex.raw('select 1 as one');
      expect(poolStats(layer).idle).toBe(1);
      await breakIdleConnections(env, layer);
      // The server's kill reaches the idle connection as an 'error'/'end' event: the pool retires it.
      if (env.driver !== 'sqlite') await until(() => poolStats(layer).total === 0, 'the killed connection retired');
      const rows = await knex.raw('select 1 as one');
      expect(rows).toBeTruthy();
      expect(poolStats(layer)).toMatchObject({ busy: 0, total: 1 });
    });

    it('retires idle connections after idle_timeout on the simulated clock', async () => {
      const clock = new TestClock(Date.now());
      const { layer } = await env.start({ connection_pool: { idle_timeout: 30, min_connections: 0 } }, {}, clock);
      await Promise.all([layer.api.knex.raw('select 1 as one'), layer.api.knex.raw('select 2 as two')]);
      expect(poolStats(layer).total).toBeGreaterThanOrEqual(1);
      await clock.advance(31_000);
      await until(() => poolStats(layer).total === 0, 'idle connections retired');
      await layer.api.knex.raw('select 1 as one');
      expect(poolStats(layer).total).toBe(1);
    });

    it('answers DatabaseNotReadyError before start and after stop', async () => {
      const layer = createDatabaseLayer(env.fixture().context());
      await expect(layer.api.knex.raw('select 1')).rejects.toSatisfy(isDatabaseNotReadyError);
      await layer.start({ signal: never(), attempt: 1, dependencies: new Map() });
      await layer.api.knex.raw('select 1 as one');
      await layer.stop(never());
      await expect(layer.api.knex.raw('select 1')).rejects.toSatisfy(isDatabaseNotReadyError);
      await expect(layer.check(never())).rejects.toSatisfy(isDatabaseNotReadyError);
    });

    it('fails start on an unreachable database with an error naming where, never the password', async () => {
      const secret = 'S3cret-pass-4-test';
      const overrides =
        env.driver === 'sqlite'
          ? { database: { filename: '/dev/null/cannot/stator.sqlite' } }
          : { database: { port: 1, password: secret } };
      const ctx = env.fixture().context(overrides);
      const layer = createDatabaseLayer(ctx);
      const error: unknown = await layer.start({ signal: never(), attempt: 1, dependencies: new Map() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await layer.stop(never());
      expect(isDatabaseUnreachableError(error)).toBe(true);
      const message = (error as Error).message;
      if (env.driver === 'sqlite') expect(message).toContain('/dev/null/cannot/stator.sqlite');
      else expect(message).toContain(`${env.driver} database "${env.fixture().name}" at 127.0.0.1:1`);
      expect(message).not.toContain(secret);
      expect(JSON.stringify(layer.details?.())).not.toContain(secret);
    });

    it('checks the cache and filesystem layers it depends on before it reports ready', async () => {
      const ctx = env.fixture().context();
      const layer = createDatabaseLayer(ctx);
      const checked: string[] = [];
      const dep = (name: string, ok: boolean): ResourceLayer => ({
        name,
        start: async () => undefined,
        stop: async () => undefined,
        check: async () => {
          checked.push(name);
          if (!ok) throw new Error(`${name} is down`);
          return { status: 'up' };
        },
      });
      const failing = new Map([
        ['filesystem', dep('filesystem', true)],
        ['cache', dep('cache', false)],
      ]);
      const error: unknown = await layer.start({ signal: never(), attempt: 1, dependencies: failing }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDatabaseDependencyError(error)).toBe(true);
      expect((error as Error).message).toContain('"cache"');
      expect(checked).toEqual(['filesystem', 'cache']);
      const healthy = new Map([
        ['filesystem', dep('filesystem', true)],
        ['cache', dep('cache', true)],
      ]);
      await layer.start({ signal: never(), attempt: 2, dependencies: healthy });
      await layer.api.knex.raw('select 1 as one');
      await layer.stop(never());
    });
  });
}

/** Breaks every idle connection of the layer from outside: server-side kill, or closing the SQLite handle. */
async function breakIdleConnections(env: SuiteEnv, layer: { api: { knex: { client: unknown } } }): Promise<void> {
  const fx = env.fixture();
  if (env.driver === 'sqlite') {
    const client = layer.api.knex.client as {
      acquireConnection(): Promise<{ close(): void }>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const conn = await client.acquireConnection();
    await client.releaseConnection(conn);
    conn.close();
    return;
  }
  const admin = fx.admin();
  if (env.driver === 'postgresql') {
    await admin.raw(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND application_name = 'stator'`,
      [fx.name],
    );
  } else {
    const [rows] = (await admin.raw(
      'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
      [fx.name],
    )) as [Array<{ id: number }>];
    for (const { id } of rows) await admin.raw(`KILL ${Number(id)}`).catch(() => undefined);
  }
  await admin.destroy();
}
