import { describe, expect, it } from 'vitest';
import { createPool, type Lease } from '../../../src/pool/index.js';
import { FakeFactory, poolContext, type FakeConnection } from './pool-context.js';

describe('pool: idle timeout, lifetime, validation, leaks, broken connections', () => {
  it('retires connections idle longer than idle_timeout, least recently used first', async () => {
    const { ctx, clock, events } = poolContext({ connection_pool: { idle_timeout: 30, validation_interval: 0 } });
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 3 });
    const [a, b] = [await pool.acquire(), await pool.acquire()];
    a.release();
    await clock.advance(20_000);
    b.release();
    await clock.advance(10_000); // a idle 30 s, b idle 10 s
    expect(factory.destroyed).toEqual([a.connection]);
    expect(pool.stats()).toMatchObject({ idle: 1, retired: 1 });
    await clock.advance(20_000);
    expect(factory.destroyed).toEqual([a.connection, b.connection]);
    const retire = events.find((e) => e.source === `pool.db/${a.connectionId}` && e.type === 'RETIRE');
    expect(retire?.data).toEqual({ reason: 'idle_timeout' });
    expect(
      events.some((e) => e.source === `pool.db/${a.connectionId}` && e.type === 'CLOSED' && e.state === 'closed'),
    ).toBe(true);
    await pool.close();
  });

  it('retires connections at max_lifetime spread by lifetime_jitter, and replaces lent ones on release', async () => {
    const draws = [0, 1, 0.5];
    const { ctx, clock } = poolContext({
      connection_pool: { max_lifetime: 100, lifetime_jitter: 0.1, idle_timeout: 0, validation_interval: 0 },
    });
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 3, random: () => draws.shift() ?? 0.5 });
    const leases = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    const [early, late, middle] = leases as [Lease<FakeConnection>, Lease<FakeConnection>, Lease<FakeConnection>];
    early.release();
    late.release();
    await clock.advance(90_000); // early lives 90 s (−10%)
    expect(factory.destroyed).toEqual([early.connection]);
    await clock.advance(10_000); // middle reaches 100 s while lent: kept until released
    expect(factory.destroyed).toHaveLength(1);
    middle.release();
    await clock.advance(0);
    expect(factory.destroyed).toEqual([early.connection, middle.connection]);
    await clock.advance(10_000); // late lives 110 s (+10%)
    expect(factory.destroyed).toEqual([early.connection, middle.connection, late.connection]);
    const fresh = await pool.acquire();
    expect(fresh.connection.n).toBe(4);
    fresh.release();
    await pool.close();
  });

  it('validates before lending a connection idle for validation_interval, but not one used just now', async () => {
    const { ctx, clock } = poolContext({ connection_pool: { validation_interval: 60, idle_timeout: 0 } });
    const factory = new FakeFactory();
    // Registered before the pool's own timers, so it runs first when the connection turns stale:
    // a borrow at the very instant, before the background validation.
    let pending: Promise<Lease<FakeConnection>> | undefined;
    clock.setTimeout(() => {
      pending = pool.acquire();
    }, 60_000);
    const pool = createPool(ctx, { name: 'db', factory, max: 2 });
    (await pool.acquire()).release();
    (await pool.acquire()).release();
    expect(factory.validations).toBe(0); // used just now: lent without validation
    const stale = factory.created[0]!;
    stale.valid = false;
    await clock.advance(60_000);
    const served = await pending!;
    expect(factory.validations).toBe(1);
    expect(served.connection).not.toBe(stale);
    expect(factory.destroyed).toEqual([stale]);
    served.release();
    (await pool.acquire()).release();
    expect(factory.validations).toBe(1);
    await pool.close();
  });

  it('validates idle connections every validation_interval and retires the invalid ones', async () => {
    const { ctx, clock, events } = poolContext({ connection_pool: { validation_interval: 60, idle_timeout: 0 } });
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 2 });
    const [a, b] = [await pool.acquire(), await pool.acquire()];
    a.release();
    b.release();
    await clock.advance(60_000);
    expect(factory.validations).toBe(2);
    expect(pool.stats().idle).toBe(2);
    a.connection.valid = false;
    await clock.advance(60_000);
    expect(factory.validations).toBe(4);
    expect(factory.destroyed).toEqual([a.connection]);
    const invalid = events.find((e) => e.source === `pool.db/${a.connectionId}` && e.type === 'INVALID');
    expect(invalid?.state).toBe('retiring');
    await pool.close();
  });

  it('reports a lease held longer than leak_threshold with the acquiring stack, and again when it comes back', async () => {
    const { ctx, clock, logs, events } = poolContext({
      connection_pool: { leak_threshold: 30, capture_stacks: 'always' },
    });
    const pool = createPool(ctx, { name: 'db', factory: new FakeFactory(), max: 2 });
    const leaked = await pool.acquire();
    const quick = await pool.acquire();
    await clock.advance(10_000);
    quick.release();
    await clock.advance(20_000);
    const suspected = events.filter((e) => e.type === 'leak.suspected');
    expect(suspected).toHaveLength(1);
    expect(suspected[0]!.source).toBe('pool.db');
    expect(suspected[0]!.data).toMatchObject({ connection: leaked.connectionId, heldMs: 30_000 });
    expect(String(suspected[0]!.data?.site)).toMatch(/pool-housekeeping\.test\.ts:\d+/);
    expect(String(suspected[0]!.data?.stack)).toContain('pool-housekeeping.test.ts');
    const warning = logs.find((l) => l.level === 'warn' && l.message.includes('possible leak'));
    expect(warning?.message).toMatch(
      /conn-1 has been lent for 30\.0 s, longer than leak_threshold \(30 s\).*pool-housekeeping\.test\.ts/,
    );
    expect(pool.stats().leaks).toBe(1);
    await clock.advance(60_000); // reported once, not on every pass
    expect(events.filter((e) => e.type === 'leak.suspected')).toHaveLength(1);
    leaked.release();
    const back = events.find((e) => e.type === 'leak.returned');
    expect(back?.data).toMatchObject({ connection: leaked.connectionId, heldMs: 90_000 });
    expect(logs.some((l) => l.message.includes('came back after 90.0 s'))).toBe(true);
    expect(events.some((e) => e.source === `pool.db/${leaked.connectionId}` && e.type === 'LEAK_SUSPECTED')).toBe(true);
    await pool.close();
  });

  it('samples stacks by default, and records every acquire for a while after a leak', async () => {
    const { ctx, clock, events } = poolContext({ connection_pool: { leak_threshold: 30 } });
    const pool = createPool(ctx, { name: 'db', factory: new FakeFactory(), max: 4, stackSampleIntervalMs: 10 });
    const first = await pool.acquire(); // sampled
    const second = await pool.acquire(); // same instant: not sampled
    await clock.advance(30_000);
    const sites = events.filter((e) => e.type === 'leak.suspected').map((e) => e.data?.site);
    expect(sites[0]).toMatch(/pool-housekeeping\.test\.ts/);
    expect(sites[1]).toBeUndefined();
    const third = await pool.acquire(); // suspicion: recorded
    const fourth = await pool.acquire(); // same instant, still recorded
    await clock.advance(30_000);
    const later = events
      .filter((e) => e.type === 'leak.suspected')
      .slice(2)
      .map((e) => e.data?.site);
    expect(later).toHaveLength(2);
    for (const site of later) expect(site).toMatch(/pool-housekeeping\.test\.ts/);
    for (const l of [first, second, third, fourth]) l.release();
    await pool.close();
  });

  it('retires a connection the driver marked broken when it comes back, never lending it again', async () => {
    const { ctx, clock } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 1 });
    const lease = await pool.acquire();
    lease.connection.disposed = new Error('Connection terminated unexpectedly');
    lease.release();
    await clock.advance(0);
    expect(factory.destroyed).toEqual([lease.connection]);
    const next = await pool.acquire();
    expect(next.connection).not.toBe(lease.connection);
    next.retire('session state is dirty');
    await clock.advance(0);
    expect(factory.destroyed).toHaveLength(2);
    await pool.close();
  });

  it("an 'error' on an idle connection retires it at once and does not crash; on a lent one, at release", async () => {
    const { ctx, clock, events, logs } = poolContext();
    const factory = new FakeFactory();
    const pool = createPool(ctx, { name: 'db', factory, max: 2 });
    const [idle, lent] = [await pool.acquire(), await pool.acquire()];
    idle.release();
    // With no listener, an EventEmitter's 'error' would throw here.
    idle.connection.emit('error', new Error('terminating connection due to administrator command'));
    await clock.advance(0);
    expect(factory.destroyed).toEqual([idle.connection]);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('idle conn-1 failed'))).toBe(true);
    lent.connection.emit('end');
    expect(factory.destroyed).toHaveLength(1);
    const machine = events.filter((e) => e.source === `pool.db/${lent.connectionId}`).at(-1);
    expect(machine).toMatchObject({ type: 'ERROR', state: 'retiring' });
    lent.release();
    await clock.advance(0);
    expect(factory.destroyed).toEqual([idle.connection, lent.connection]);
    // a late error on a closed connection is swallowed too
    idle.connection.emit('error', new Error('late'));
    expect(pool.stats()).toMatchObject({ total: 0, retired: 2 });
    await pool.close();
  });
});
