import { describe, expect, it } from 'vitest';
import { isPoolCreateFailedError } from '../../../src/errors/pool-create-failed-error.js';
import { isPoolRecoveringError } from '../../../src/errors/pool-recovering-error.js';
import type { LayerHealth } from '../../../src/kernel/layer.js';
import { createPool } from '../../../src/pool/index.js';
import { FakeFactory, poolContext } from './pool-context.js';

const settle = <T>(p: Promise<T>): Promise<T | unknown> =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );
const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('pool: create failures and recovery', () => {
  it('rejects every waiter at once with the cause when the database is down, then fails fast while recovering', async () => {
    const { ctx, events } = poolContext();
    const factory = new FakeFactory();
    factory.failWith = refused();
    const pool = createPool(ctx, {
      name: 'db',
      factory,
      max: 3,
      random: () => 0.5,
      recovery: { initialDelayMs: 1_000, maxDelayMs: 8_000 },
    });
    const waiters = [settle(pool.acquire()), settle(pool.acquire()), settle(pool.acquire())];
    const errors = await Promise.all(waiters);
    // No clock time passed: nobody waited for a timeout.
    for (const e of errors) {
      expect(isPoolCreateFailedError(e)).toBe(true);
      expect((e as Error).cause).toBe(factory.failWith);
      expect((e as Error).message).toContain('ECONNREFUSED');
    }
    expect(pool.state).toBe('recovering');
    const fast = await settle(pool.acquire());
    expect(isPoolRecoveringError(fast)).toBe(true);
    expect((fast as Error).cause).toBe(factory.failWith);
    expect((fast as Error).message).toContain('reconnecting in the background');
    expect(pool.health().status).toBe('down');
    expect(events.some((e) => e.source === 'pool.db' && e.type === 'recovering')).toBe(true);
    expect(pool.stats().createFailures).toBe(3);
  });

  it('one background probe reconnects with doubling back-off on the clock, then the pool serves again', async () => {
    const { ctx, clock, events } = poolContext();
    const factory = new FakeFactory();
    factory.failWith = refused();
    const pool = createPool(ctx, {
      name: 'db',
      factory,
      max: 3,
      random: () => 0.5,
      recovery: { initialDelayMs: 1_000, maxDelayMs: 4_000 },
    });
    const health: LayerHealth['status'][] = [];
    pool.health$.subscribe((h) => health.push(h.status));
    await settle(pool.acquire());
    const failuresAfter = (): number => pool.stats().createFailures;
    expect(failuresAfter()).toBe(1);
    await clock.advance(999);
    expect(failuresAfter()).toBe(1);
    await clock.advance(1); // probe 1 at +1 s
    expect(failuresAfter()).toBe(2);
    await clock.advance(2_000); // probe 2 at +2 s
    expect(failuresAfter()).toBe(3);
    await clock.advance(4_000); // probe 3 at +4 s
    expect(failuresAfter()).toBe(4);
    await clock.advance(4_000); // capped at 4 s
    expect(failuresAfter()).toBe(5);
    factory.failWith = undefined;
    await clock.advance(4_000);
    expect(pool.state).toBe('open');
    expect(pool.stats()).toMatchObject({ idle: 1, created: 1 });
    const lease = await pool.acquire();
    expect(lease.connection.n).toBe(1);
    lease.release();
    expect(health).toEqual(['up', 'down', 'up']);
    expect(events.find((e) => e.type === 'recovered')?.data).toMatchObject({ downMs: 15_000 });
    await pool.close();
  });

  it('with connections still open, a create failure rejects the waiter it was for and marks health degraded', async () => {
    const { ctx } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 2 });
    const held = await pool.acquire();
    factory.failWith = new Error('too many clients already');
    const error = await settle(pool.acquire());
    expect(isPoolCreateFailedError(error)).toBe(true);
    expect(pool.state).toBe('open');
    expect(pool.health()).toEqual({
      status: 'degraded',
      reason: 'could not open a connection: too many clients already',
    });
    factory.failWith = undefined;
    held.release();
    expect(pool.health().status).toBe('up');
    await pool.close();
  });

  it('a create that hangs fails after the create timeout and is closed if it arrives later', async () => {
    const { ctx, clock } = poolContext();
    const factory = new FakeFactory();
    factory.hold = true;
    const pool = createPool(ctx, { name: 'db', factory, max: 1, createTimeoutMs: 2_000, acquireTimeoutMs: 10_000 });
    const outcome = settle(pool.acquire());
    await clock.advance(2_000);
    const error = await outcome;
    expect(isPoolCreateFailedError(error)).toBe(true);
    expect((error as Error).message).toContain('longer than 2 s');
    factory.finishCreates();
    await clock.advance(0);
    expect(factory.destroyed).toHaveLength(1);
    await pool.close();
  });

  it('keeps min_connections open, and replaces one that is retired', async () => {
    const { ctx, clock } = poolContext({ connection_pool: { min_connections: 2, idle_timeout: 10 } });
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 4 });
    await clock.advance(0);
    expect(pool.stats()).toMatchObject({ idle: 2, total: 2 });
    await clock.advance(60_000); // idle far beyond idle_timeout: the minimum stays
    expect(pool.stats()).toMatchObject({ idle: 2, retired: 0 });
    factory.created[0]!.emit('error', new Error('terminating connection due to administrator command'));
    await clock.advance(0);
    expect(pool.stats()).toMatchObject({ idle: 2, retired: 1, created: 3 });
    await pool.close();
  });

  it('min_connections failing at start puts the pool in recovery, not the process down', async () => {
    const { ctx, clock } = poolContext({ connection_pool: { min_connections: 1 } });
    const factory = new FakeFactory();
    factory.failWith = refused();
    const pool = createPool(ctx, { name: 'db', factory, max: 2, recovery: { initialDelayMs: 100 }, random: () => 0.5 });
    await clock.advance(0);
    expect(pool.state).toBe('recovering');
    factory.failWith = undefined;
    await clock.advance(100);
    expect(pool.stats()).toMatchObject({ state: 'open', idle: 1 });
    await pool.close();
  });
});
