import { describe, expect, it } from 'vitest';
import { DeadlineExceeded, withDeadline } from '../../../src/database/deadline.js';
import { TestClock } from '../../../src/kernel/clock.js';

describe('withDeadline', () => {
  it('settles like the work when it finishes in time', async () => {
    const clock = new TestClock();
    await expect(withDeadline(Promise.resolve(7), 100, clock)).resolves.toBe(7);
    expect(clock.pending).toBe(0);
  });

  it('rejects at the deadline and hands a late result to `late`', async () => {
    const clock = new TestClock();
    let finish!: (v: string) => void;
    const late: string[] = [];
    const result = withDeadline(new Promise<string>((r) => (finish = r)), 100, clock, undefined, (v) => late.push(v));
    const outcome = result.catch((e: unknown) => e);
    await clock.advance(100);
    expect(await outcome).toBeInstanceOf(DeadlineExceeded);
    finish('connection');
    await clock.advance(0);
    expect(late).toEqual(['connection']);
  });

  it('rejects with the reason when the signal aborts', async () => {
    const clock = new TestClock();
    const controller = new AbortController();
    const result = withDeadline(new Promise(() => undefined), 100, clock, controller.signal).catch((e: unknown) => e);
    controller.abort(new Error('stop'));
    expect(await result).toEqual(new Error('stop'));
  });
});
