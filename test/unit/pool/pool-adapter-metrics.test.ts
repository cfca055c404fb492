import { describe, expect, it } from 'vitest';
import { createPool, toTarnPool } from '../../../src/pool/index.js';
import { FakeConnection, FakeFactory, poolContext } from './pool-context.js';

describe('pool: tarn adapter', () => {
  it('has the shape knex checks for and counts like tarn', async () => {
    const { ctx } = poolContext();
    const pool = createPool(ctx, { name: 'db', factory: new FakeFactory(), max: 1 });
    const tarn = toTarnPool(pool);
    for (const m of ['acquire', 'release', 'destroy', 'numFree', 'numUsed', 'numPendingAcquires'] as const) {
      expect(typeof tarn[m]).toBe('function');
    }
    const conn = await tarn.acquire().promise;
    const waiting = tarn.acquire().promise;
    expect([tarn.numUsed(), tarn.numFree(), tarn.numPendingAcquires()]).toEqual([1, 0, 1]);
    expect(tarn.release(new FakeConnection(99))).toBe(false);
    expect(tarn.release(conn)).toBe(true);
    expect(await waiting).toBe(conn);
    expect(tarn.release(conn)).toBe(true);
    expect(tarn.release(conn)).toBe(false);
    expect([tarn.numUsed(), tarn.numFree()]).toEqual([0, 1]);
    await tarn.destroy(); // knex's destroy leaves Stator's pool open
    expect(pool.state).toBe('open');
    await pool.close();
  });

  it('retires a connection knex marked __knex__disposed instead of lending it again', async () => {
    const { ctx, clock } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, {
      name: 'db',
      factory: { ...factory, create: () => factory.create(), destroy: (c) => factory.destroy(c) },
      max: 1,
    });
    const tarn = toTarnPool(pool);
    const conn = await tarn.acquire().promise;
    (conn as FakeConnection & { __knex__disposed?: unknown }).__knex__disposed = new Error('Connection terminated');
    expect(tarn.release(conn)).toBe(true);
    await clock.advance(0);
    expect(factory.destroyed).toEqual([conn]);
    const next = await tarn.acquire().promise;
    expect(next).not.toBe(conn);
    tarn.release(next);
    await pool.close();
  });

  it('abort() hands a late connection straight back', async () => {
    const { ctx } = poolContext();
    const pool = createPool(ctx, { name: 'db', factory: new FakeFactory(), max: 1 });
    const tarn = toTarnPool(pool);
    const first = await tarn.acquire().promise;
    const pending = tarn.acquire();
    pending.abort();
    tarn.release(first);
    await expect(pending.promise).rejects.toThrow('acquire aborted');
    expect(pool.stats()).toMatchObject({ busy: 0, idle: 1 });
    await pool.close();
  });
});

describe('pool: metrics', () => {
  it('exposes connections by state, pending acquires, totals and the acquire-time histogram on ctx.metrics', async () => {
    const { ctx, clock } = poolContext({ connection_pool: { acquire_timeout: 1 } });
    const a = createPool(ctx, { name: 'a', factory: new FakeFactory(), max: 1 });
    const b = createPool(ctx, { name: 'b', factory: new FakeFactory(), max: 3 });
    const held = await a.acquire();
    const timedOut = a.acquire().catch(() => undefined);
    await clock.advance(1_000);
    await timedOut;
    (await b.acquire()).release();
    const text = await ctx.metrics.metrics();
    expect(text).toContain('stator_pool_connections{pool="a",state="busy"} 1');
    expect(text).toContain('stator_pool_connections{pool="b",state="idle"} 1');
    expect(text).toContain('stator_pool_max_connections{pool="b"} 3');
    expect(text).toContain('stator_pool_acquire_timeouts_total{pool="a"} 1');
    expect(text).toContain('stator_pool_acquires_total{pool="b"} 1');
    expect(text).toContain('stator_pool_connections_created_total{pool="b"} 1');
    expect(text).toMatch(/stator_pool_acquire_duration_seconds_bucket\{pool="a",le="\+Inf"\} 1/);
    expect(text).toContain('stator_pool_acquire_duration_seconds_count{pool="b"} 1');
    expect(text).toContain('stator_pool_pending_acquires{pool="a"} 0');
    held.release();
    await a.close();
    await b.close();
    expect(await ctx.metrics.metrics()).not.toContain('pool="a"');
  });
});
