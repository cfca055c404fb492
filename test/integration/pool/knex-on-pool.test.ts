import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPoolTimeoutError } from '../../../src/errors/pool-timeout-error.js';
import {
  captureAcquireSite,
  createPool,
  runWithAcquireSite,
  knexConnectionFactory,
  toTarnPool,
  type KnexRawClient,
  type KnexRawConnection,
  type Pool,
} from '../../../src/pool/index.js';
import { knexLog } from '../../../src/database/knex-log.js';
import { poolContext } from '../../unit/pool/pool-context.js';
import { isPoolCreateFailedError } from '../../../src/errors/pool-create-failed-error.js';
import { isPoolRecoveringError } from '../../../src/errors/pool-recovering-error.js';
import { mariadbTarget, postgresTarget, sqliteTarget, type KnexTarget } from './knex-targets.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * One behavioural suite, run against real PostgreSQL, real MariaDB and SQLite: a real Knex
 * instance whose every connection comes from Stator's pool through the tarn adapter.
 */
describe.each([postgresTarget, mariadbTarget, sqliteTarget()])('knex on Stator pool: $name', (target: KnexTarget) => {
  let raw: Knex;
  let pool: Pool<KnexRawConnection>;
  let db: Knex;
  let env: ReturnType<typeof poolContext>;

  let connection: Knex.Config['connection'];

  beforeAll(async () => {
    connection = await target.setUp();
    raw = knex({ client: target.client, connection, pool: { max: 0 }, useNullAsDefault: target.useNullAsDefault });
    env = poolContext();
    pool = createPool(env.ctx, {
      name: 'database',
      factory: knexConnectionFactory(raw.client as KnexRawClient),
      max: 3,
      acquireTimeoutMs: 5_000,
    });
    db = knex({
      client: target.client,
      connectionPool: toTarnPool(pool),
      useNullAsDefault: target.useNullAsDefault,
      log: knexLog(env.ctx.logger),
    });
    await db.schema.createTable('pool_items', (t) => {
      t.increments('id');
      t.string('name').notNullable();
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await pool?.close();
    await raw?.destroy();
    await target.tearDown();
  });

  it('runs queries and transactions on the pool, commit and rollback', async () => {
    await db('pool_items').insert({ name: 'plain' });
    await db.transaction(async (trx) => {
      await trx('pool_items').insert({ name: 'committed' });
    });
    await expect(
      db.transaction(async (trx) => {
        await trx('pool_items').insert({ name: 'rolled back' });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    const names = (await db('pool_items').select('name').orderBy('id')).map((r: { name: string }) => r.name);
    expect(names).toEqual(['plain', 'committed']);
    const stats = pool.stats();
    expect(stats.created).toBeGreaterThan(0);
    expect(stats.busy).toBe(0);
    expect(stats.acquires).toBeGreaterThanOrEqual(4);
  });

  it('serves more concurrent queries than connections, never above max', async () => {
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const rows = await db.raw(target.name === 'postgresql' ? 'select ?::int as n' : 'select ? as n', [i]);
        peak = Math.max(peak, pool.stats().total);
        return rows;
      }),
    );
    expect(results).toHaveLength(20);
    expect(peak).toBeLessThanOrEqual(3);
    expect(pool.stats()).toMatchObject({ busy: 0, pending: 0 });
  });

  it('times out with the informative error while every connection is held by a transaction', async () => {
    const holders: Knex.Transaction[] = [];
    try {
      // knex acquires from a promise job, where the caller's frame is gone: name the site explicitly.
      for (let i = 0; i < 3; i++) holders.push(await runWithAcquireSite(captureAcquireSite(), () => db.transaction()));
      const settled = pool.acquire({ timeoutMs: 1_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await env.clock.advance(1_000);
      const error = await settled;
      expect(isPoolTimeoutError(error)).toBe(true);
      expect((error as Error).message).toContain('3 of 3 connections are busy');
      expect((error as Error).message).toMatch(/oldest lease \(conn-\d+\) is held by .*knex-on-pool\.test\.ts:\d+/);
    } finally {
      for (const trx of holders) await trx.rollback();
    }
    expect(pool.stats().busy).toBe(0);
  });

  it.runIf(target.kill)(
    'retires idle connections the server terminates, without crashing, and serves again',
    async () => {
      await Promise.all(Array.from({ length: 3 }, () => db.raw('select 1')));
      const before = pool.stats();
      expect(before.idle).toBeGreaterThan(0);
      const ids = await target.backendIds!();
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) await target.kill!(id);
      // The connections' own 'error'/'end' events retire them while idle.
      await vi.waitFor(() => expect(pool.stats().retired - before.retired).toBe(ids.length), { timeout: 10_000 });
      const rows = await db('pool_items').count({ n: '*' });
      expect(Number((rows[0] as { n: number | string }).n)).toBe(2);
      await db.transaction(async (trx) => {
        await trx('pool_items').insert({ name: 'after kill' });
      });
      expect(pool.stats()).toMatchObject({ state: 'open', busy: 0 });
      expect(env.events.some((e) => e.source.startsWith('pool.database/conn-') && e.type === 'ERROR')).toBe(true);
    },
  );

  it.runIf(target.kill)('retires a connection killed while lent, on release, and replaces it', async () => {
    const trx = await db.transaction();
    const [id] = await target.backendIds!().then(async (all) => {
      const mine = await trx.raw(
        target.name === 'postgresql' ? 'select pg_backend_pid() as id' : 'select connection_id() as id',
      );
      const row = (Array.isArray(mine) ? mine[0][0] : mine.rows[0]) as { id: number | string };
      return all.filter((x) => x === Number(row.id));
    });
    const retired = pool.stats().retired;
    await target.kill!(id!);
    await expect(trx.raw('select 1')).rejects.toThrow();
    await trx.rollback().catch(() => undefined);
    await vi.waitFor(() => expect(pool.stats().retired).toBe(retired + 1), { timeout: 10_000 });
    // The pool serves again on the replacement: the query's own answer, not merely an answer.
    const after = await db.raw('select 41 + 1 as n');
    expect(Array.isArray(after) ? after[0][0] : after.rows[0]).toEqual({ n: 42 });
    expect(pool.stats().busy).toBe(0);
  });

  it.runIf(target.port)(
    'fails fast while the database is unreachable, probes in the background, and serves again',
    async () => {
      const proxy = new TcpProxy(target.port!);
      await proxy.start();
      const settings = { ...(connection as object), host: '127.0.0.1', port: proxy.port };
      const rawViaProxy = knex({ client: target.client, connection: settings, pool: { max: 0 } });
      const local = poolContext();
      const viaProxy = createPool(local.ctx, {
        name: 'database',
        factory: knexConnectionFactory(rawViaProxy.client as KnexRawClient),
        max: 3,
        recovery: { initialDelayMs: 1_000 },
        random: () => 0.5,
      });
      // knex's own warnings go to the context's logger, as src/database wires them (not to the console).
      const dbViaProxy = knex({
        client: target.client,
        connectionPool: toTarnPool(viaProxy),
        log: knexLog(local.ctx.logger),
      });
      try {
        await Promise.all(Array.from({ length: 3 }, () => dbViaProxy.raw('select 1')));
        expect(viaProxy.stats().idle).toBeGreaterThan(0);

        await proxy.stop(); // the database "goes away": open connections cut, new ones refused
        await vi.waitFor(() => expect(viaProxy.stats().idle).toBe(0), { timeout: 10_000 });
        const failed = await dbViaProxy.raw('select 1').then(
          () => undefined,
          (e: unknown) => e,
        );
        // The first acquire after the cut fails on its own create, or (when a background create
        // already failed first) on the recovering pool: either way at once, with the cause.
        expect(isPoolCreateFailedError(failed) || isPoolRecoveringError(failed), String(failed)).toBe(true);
        expect((failed as Error).message).toMatch(/ECONNREFUSED|connect/);
        expect(viaProxy.state).toBe('recovering');
        const fast = await dbViaProxy.raw('select 1').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPoolRecoveringError(fast)).toBe(true);
        expect(viaProxy.health().status).toBe('down');
        // knex reported each failed acquire through the logger it was given.
        expect(local.logs.filter((l) => l.message.startsWith('knex: Acquire connection error')).length).toBe(2);

        await proxy.start(); // back, on the same port
        await local.clock.advance(1_000); // the probe's turn
        await vi.waitFor(() => expect(viaProxy.state).toBe('open'), { timeout: 10_000 });
        const rows = await dbViaProxy('pool_items').count({ n: '*' });
        expect(Number((rows[0] as { n: number | string }).n)).toBeGreaterThan(0);
        expect(viaProxy.health().status).toBe('up');
      } finally {
        await dbViaProxy.destroy();
        await viaProxy.close();
        await rawViaProxy.destroy();
        await proxy.stop();
      }
    },
  );
});
