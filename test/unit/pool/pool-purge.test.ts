import { describe, expect, it } from 'vitest';
import { createPool } from '../../../src/pool/index.js';
import { FakeFactory, poolContext } from './pool-context.js';

describe('pool: purge', () => {
  it('retires idle connections at once and lent ones when returned; a waiter gets a new one', async () => {
    const { ctx, clock, events } = poolContext({ connection_pool: { validation_interval: 0, idle_timeout: 0 } });
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 2 });
    const idle = await pool.acquire();
    const lent = await pool.acquire();
    idle.release();
    let done = false;
    const purged = pool.purge().then((r) => ((done = true), r));
    await clock.advance(0);
    expect(factory.destroyed).toEqual([idle.connection]);
    const waiter = await pool.acquire(); // not failed: a new connection
    expect(waiter.connection.n).toBe(3);
    expect(done).toBe(false); // the lent one is still out, and keeps working for its holder
    expect(lent.connection.destroyed).toBe(false);
    lent.release();
    const report = await purged;
    expect(report).toMatchObject({ replaced: 2, idle: 1, busy: 1, inProgress: 0 });
    expect(lent.connection.destroyed).toBe(true);
    const retired = events.filter((e) => e.type === 'RETIRE' && e.data?.reason === 'purge');
    expect(retired.map((e) => e.source).sort()).toEqual(['pool.db/conn-1', 'pool.db/conn-2']);
    expect(retired.every((e) => e.state === 'retiring')).toBe(true);
    expect(events.find((e) => e.source === 'pool.db' && e.type === 'purged')?.data).toMatchObject({ replaced: 2 });
    expect(pool.stats()).toMatchObject({ purges: 1, busy: 1 });
    waiter.release();
    const again = await pool.acquire();
    expect(again.connection.n).toBe(3); // new connections are not touched by the finished purge
    again.release();
    await pool.close();
  });

  it('retires a connection that was being opened at the purge as soon as it is open, and serves its waiter with a new one', async () => {
    const { ctx, clock } = poolContext({ connection_pool: { validation_interval: 0 } });
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 2 });
    factory.hold = true;
    const waiting = pool.acquire();
    await clock.advance(0);
    const purged = pool.purge();
    factory.finishCreates();
    const lease = await waiting;
    expect(lease.connection.n).toBe(2);
    expect(factory.destroyed.map((c) => c.n)).toEqual([1]);
    expect(await purged).toMatchObject({ replaced: 1, inProgress: 1 });
    lease.release();
    await pool.close();
  });

  it('resolves at once on an empty pool, and refuses after close', async () => {
    const { ctx } = poolContext();
    const pool = createPool(ctx, { name: 'db', factory: new FakeFactory(), max: 2 });
    expect(await pool.purge()).toMatchObject({ replaced: 0 });
    await pool.close();
    await expect(pool.purge()).rejects.toMatchObject({ code: 'POOL_CLOSED' });
  });
});
