import { describe, expect, it } from 'vitest';
import { isPoolClosedError } from '../../../src/errors/pool-closed-error.js';
import { isPoolTimeoutError } from '../../../src/errors/pool-timeout-error.js';
import { createPool } from '../../../src/pool/index.js';
import { classifyError } from '../../../src/resilience/index.js';
import { FakeFactory, poolContext } from './pool-context.js';

const settle = <T>(p: Promise<T>): Promise<T | unknown> =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );

describe('pool: limits, FIFO, timeouts', () => {
  it('never opens more than max and serves waiters first come first served', async () => {
    const { ctx } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'fifo', factory, max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    const order: string[] = [];
    const waiting = ['w1', 'w2', 'w3'].map((name) =>
      pool.acquire().then((lease) => {
        order.push(name);
        return lease;
      }),
    );
    expect(pool.stats()).toMatchObject({ total: 2, busy: 2, pending: 3 });
    a.release();
    const w1 = await waiting[0]!;
    b.release();
    const w2 = await waiting[1]!;
    w1.release();
    const w3 = await waiting[2]!;
    expect(order).toEqual(['w1', 'w2', 'w3']);
    expect(factory.created).toHaveLength(2);
    w2.release();
    w3.release();
    expect(pool.stats()).toMatchObject({ total: 2, idle: 2, busy: 0, pending: 0, acquires: 5 });
    await pool.close();
  });

  it('reuses the most recently released connection first', async () => {
    const { ctx } = poolContext();
    const pool = createPool(ctx, { name: 'lifo', factory: new FakeFactory(), max: 3 });
    const [a, b] = [await pool.acquire(), await pool.acquire()];
    a.release();
    b.release();
    const next = await pool.acquire();
    expect(next.connection).toBe(b.connection);
    next.release();
    await pool.close();
  });

  it('times out after acquire_timeout with who holds the oldest lease and since when', async () => {
    const { ctx, clock } = poolContext({ connection_pool: { acquire_timeout: 5, capture_stacks: 'always' } });
    const pool = createPool(ctx, { name: 'db', factory: new FakeFactory(), max: 2 });
    const held = await pool.acquire();
    await clock.advance(1_000);
    const second = await pool.acquire();
    const outcome = settle(pool.acquire());
    const other = settle(pool.acquire({ timeoutMs: 60_000 }));
    await clock.advance(4_999);
    expect(pool.stats().pending).toBe(2);
    await clock.advance(1);
    const error = await outcome;
    expect(isPoolTimeoutError(error)).toBe(true);
    if (!isPoolTimeoutError(error)) return;
    expect(error.code).toBe('POOL_TIMEOUT');
    expect(error.details).toMatchObject({
      busy: 2,
      max: 2,
      waiting: 1,
      oldest: { connection: held.connectionId, heldMs: 6_000 },
    });
    expect(error.details.oldest?.site).toMatch(/pool-acquire\.test\.ts:\d+/);
    expect(error.message).toContain('2 of 2 connections are busy, 1 other request waiting');
    expect(error.message).toContain(`The oldest lease (${held.connectionId}) is held by`);
    expect(error.message).toContain(new Date(held.acquiredAt).toISOString());
    expect(error.message).toContain('raise connection_pool.max_connections');
    expect(pool.stats()).toMatchObject({ timeouts: 1, pending: 1 });
    held.release();
    const served = (await other) as { release(): void };
    served.release();
    second.release();
    await pool.close();
  });

  it('says whether the pool served others while a timed-out acquire waited, and only a stall counts against the breaker', async () => {
    const { ctx, clock } = poolContext({ connection_pool: { acquire_timeout: 5 } });
    const pool = createPool(ctx, { name: 'db', factory: new FakeFactory(), max: 1 });
    // Stalled: the one connection is held for the whole wait.
    const held = await pool.acquire();
    const stalled = settle(pool.acquire());
    await clock.advance(5_000);
    const stall = await stalled;
    if (!isPoolTimeoutError(stall)) throw new Error(`expected a pool timeout, got ${String(stall)}`);
    expect(stall.details.lentWhileWaiting).toBe(0);
    expect(stall.message).toContain('none came back meanwhile');
    expect(classifyError(stall)).toMatchObject({ kind: 'timeout', countsAsFailure: true });
    // Serving: the connection comes back and goes to an earlier waiter; the later one still times out.
    const earlier = settle(pool.acquire({ timeoutMs: 60_000 }));
    await clock.advance(1_000);
    const later = settle(pool.acquire());
    await clock.advance(1_000);
    held.release();
    const served = (await earlier) as { release(): void };
    await clock.advance(4_000);
    const busy = await later;
    if (!isPoolTimeoutError(busy)) throw new Error(`expected a pool timeout, got ${String(busy)}`);
    expect(busy.details.lentWhileWaiting).toBe(1);
    expect(busy.message).toContain('1 lent to earlier requests meanwhile');
    expect(classifyError(busy)).toMatchObject({ kind: 'busy', countsAsFailure: false, code: 'POOL_TIMEOUT' });
    served.release();
    await pool.close();
  });

  it('gives up waiting when the signal aborts, and the queue moves on', async () => {
    const { ctx } = poolContext();
    const pool = createPool(ctx, { name: 'abort', factory: new FakeFactory(), max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const aborted = settle(pool.acquire({ signal: controller.signal }));
    const next = pool.acquire();
    controller.abort(new Error('caller gave up'));
    expect(((await aborted) as Error).message).toBe('caller gave up');
    expect(pool.stats().pending).toBe(1);
    held.release();
    (await next).release();
    await expect(pool.acquire({ signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    await pool.close();
  });

  it('ignores a second release of the same lease', async () => {
    const { ctx } = poolContext();
    const pool = createPool(ctx, { name: 'twice', factory: new FakeFactory(), max: 2 });
    const lease = await pool.acquire();
    lease.release();
    const again = await pool.acquire();
    lease.release();
    expect(pool.stats()).toMatchObject({ busy: 1, idle: 0 });
    expect(lease.released).toBe(true);
    again.release();
    await pool.close();
  });

  it('use() releases after the function, even when it throws', async () => {
    const { ctx } = poolContext();
    const pool = createPool(ctx, { name: 'use', factory: new FakeFactory(), max: 1 });
    expect(await pool.use((c) => c.n)).toBe(1);
    await expect(pool.use(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(pool.stats()).toMatchObject({ busy: 0, idle: 1 });
    await pool.close();
  });

  it('close rejects waiters, waits for lent connections, then closes every connection', async () => {
    const { ctx } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'close', factory, max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    b.release();
    const waiter = settle(pool.acquire());
    await Promise.resolve();
    const waiting2 = settle(pool.acquire());
    // b is lent again at once; the second acquire waits.
    const closing = pool.close();
    expect(isPoolClosedError(await waiting2)).toBe(true);
    expect(pool.state).toBe('closing');
    a.release();
    ((await waiter) as { release(): void }).release();
    await closing;
    expect(pool.state).toBe('closed');
    expect(factory.destroyed).toHaveLength(2);
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_CLOSED' });
  });

  it('close with an aborted signal closes connections under their holders', async () => {
    const { ctx } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'force', factory, max: 1 });
    const lease = await pool.acquire();
    await pool.close({ signal: AbortSignal.abort() });
    expect(factory.destroyed).toEqual([lease.connection]);
    lease.release();
    expect(pool.stats()).toMatchObject({ busy: 0, total: 0 });
  });
});

describe('pool: many connections opened at once', () => {
  it('opens 50 at once without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const { ctx } = poolContext();
      const pool = createPool(ctx, { name: 'wide', factory: new FakeFactory(), max: 50 });
      const leases = await Promise.all(Array.from({ length: 50 }, () => pool.acquire()));
      expect(pool.stats()).toMatchObject({ total: 50, busy: 50 });
      for (const lease of leases) lease.release();
      await pool.close();
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
