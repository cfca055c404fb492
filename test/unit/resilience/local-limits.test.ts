import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../src/kernel/clock.js';
import { LocalLimits } from '../../../src/resilience/limiter/local-limits.js';

const flush = (clock: TestClock): Promise<void> => clock.advance(0);

describe('local limits: reservoir and min_time on the clock, no timer per call', () => {
  it('runs calls while the reservoir lasts without any timer, waits for the refresh, then runs the refreshed amount', async () => {
    const clock = new TestClock(0);
    const limits = new LocalLimits(
      { minTimeMs: 0, reservoir: 3, reservoirRefreshIntervalMs: 1_000, reservoirRefreshAmount: 2, shared: false },
      clock,
    );
    const ran: number[] = [];
    const call = (i: number) => limits.schedule(async () => ran.push(i));
    await Promise.all([call(1), call(2), call(3)]);
    expect(ran).toEqual([1, 2, 3]);
    expect(clock.pending).toBe(0);
    const fourth = call(4);
    const fifth = call(5);
    const sixth = call(6);
    await flush(clock);
    expect(ran).toEqual([1, 2, 3]);
    expect(limits.counts().queued).toBe(3);
    await clock.advance(999);
    expect(ran).toEqual([1, 2, 3]);
    await clock.advance(1);
    await Promise.all([fourth, fifth]);
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    await clock.advance(1_000);
    await sixth;
    expect(ran).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('spaces starts by min_time', async () => {
    const clock = new TestClock(0);
    const limits = new LocalLimits({ minTimeMs: 100, shared: false }, clock);
    const starts: number[] = [];
    const all = Promise.all([1, 2, 3].map(() => limits.schedule(async () => starts.push(clock.now()))));
    await clock.advance(300);
    await all;
    expect(starts).toEqual([0, 100, 200]);
  });

  it('a waiting call gives up when its signal aborts, and takes nothing', async () => {
    const clock = new TestClock(0);
    const limits = new LocalLimits(
      { minTimeMs: 0, reservoir: 1, reservoirRefreshIntervalMs: 1_000, shared: false },
      clock,
    );
    await limits.schedule(async () => 1);
    const controller = new AbortController();
    const waiting = limits.schedule(async () => 'ran', controller.signal).catch((e: unknown) => e);
    await flush(clock);
    controller.abort(new Error('gave up'));
    expect(await waiting).toMatchObject({ message: 'gave up' });
    expect(clock.pending).toBe(0);
    await clock.advance(1_000);
    expect(await limits.schedule(async () => 'after refresh')).toBe('after refresh');
  });
});
