import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CommandDeadlines } from '../../../src/cache/drivers/command-deadlines.js';
import { isOperationTimeoutError } from '../../../src/errors/operation-timeout-error.js';
import { TestClock } from '../../../src/kernel/clock.js';

// Real ioredis Commands, answered by hand as the client would answer them (no server needed).
const command = (name = 'get'): Command => {
  const c = new Command(name, ['k'], { replyEncoding: 'utf8' });
  c.promise.catch(() => undefined); // each test awaits the ones it looks at
  return c;
};

describe('CommandDeadlines', () => {
  it('calls onExpired once per command rejected at its deadline, not for answered ones', async () => {
    const clock = new TestClock();
    const expired: string[] = [];
    const deadlines = new CommandDeadlines(clock, 'cache', 500, (error) => expired.push(error.operation));
    const answered = command('get');
    const lost = command('set');
    deadlines.track(answered);
    deadlines.track(lost);
    answered.resolve('v');
    await clock.advance(500);
    expect(isOperationTimeoutError(await lost.promise.catch((e: unknown) => e))).toBe(true);
    expect(expired).toEqual(['set']);
  });

  it('an answered command keeps its answer, and nothing is left behind', async () => {
    const clock = new TestClock();
    const deadlines = new CommandDeadlines(clock, 'cache', 500);
    const c = command();
    deadlines.track(c);
    c.resolve('v');
    expect(await c.promise).toBe('v');
    await clock.advance(1000);
    expect(deadlines.pending).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('rejects each unanswered command at its own deadline with OperationTimeoutError; a late reply is ignored', async () => {
    const clock = new TestClock();
    const deadlines = new CommandDeadlines(clock, 'cache', 500);
    const first = command('get');
    deadlines.track(first);
    await clock.advance(200);
    const second = command('set');
    deadlines.track(second);
    const third = command('get');
    deadlines.track(third);
    await clock.advance(300);
    const e1 = await first.promise.catch((e: unknown) => e);
    expect(isOperationTimeoutError(e1)).toBe(true);
    expect(e1).toMatchObject({ resource: 'cache', operation: 'get', timeoutMs: 500 });
    first.resolve('too late');
    third.resolve('in time');
    expect(await third.promise).toBe('in time');
    expect(deadlines.pending).toBe(1);
    await clock.advance(199);
    expect(second.isSettled).toBe(false);
    await clock.advance(1);
    expect(await second.promise.catch((e: unknown) => e)).toMatchObject({
      code: 'OPERATION_TIMEOUT',
      operation: 'set',
    });
    expect(deadlines.pending).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a steady stream of answered commands keeps the queue short', () => {
    const clock = new TestClock();
    const deadlines = new CommandDeadlines(clock, 'cache', 100);
    const inFlight: Command[] = [];
    for (let i = 0; i < 5000; i++) {
      const c = command();
      deadlines.track(c);
      inFlight.push(c);
      // Redis answers in order; 32 calls in flight at a time.
      if (inFlight.length > 32) inFlight.shift()?.resolve('v');
    }
    const queue = deadlines as unknown as { commands: unknown[]; head: number };
    expect(queue.commands.length - queue.head).toBeLessThanOrEqual(40);
  });

  it('answered commands behind one that hangs (a frozen Cluster node) are swept out', async () => {
    const clock = new TestClock();
    const deadlines = new CommandDeadlines(clock, 'cache', 1000);
    const stuck = command();
    deadlines.track(stuck);
    for (let i = 0; i < 20_000; i++) {
      const c = command();
      deadlines.track(c);
      c.resolve('v');
    }
    const queue = deadlines as unknown as { commands: unknown[]; head: number };
    expect(queue.commands.length - queue.head).toBeLessThan(4200);
    expect(deadlines.pending).toBe(1);
    await clock.advance(1000);
    expect(isOperationTimeoutError(await stuck.promise.catch((e: unknown) => e))).toBe(true);
    expect(deadlines.pending).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
