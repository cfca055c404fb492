import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../../src/cache/deadline-queue.js';
import { isOperationTimeoutError } from '../../../src/errors/operation-timeout-error.js';
import { TestClock } from '../../../src/kernel/clock.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('DeadlineQueue', () => {
  it('tells onExpired which call ran out, with what it was started with; answered calls are not reported', async () => {
    const clock = new TestClock();
    const expired: Array<[unknown, string]> = [];
    const deadlines = new DeadlineQueue(clock, 'cache', 500, (deadline, error) =>
      expired.push([deadline.subject, error.name]),
    );
    const lost = new Promise((_, reject) => deadlines.start('get', reject, 'server-a')).catch((e: unknown) => e);
    const answered = deadlines.start('set', () => undefined, 'server-b');
    expect(deadlines.settle(answered)).toBe(true);
    await clock.advance(500);
    expect(isOperationTimeoutError(await lost)).toBe(true);
    expect(expired).toEqual([['server-a', 'OperationTimeoutError']]);
  });

  it('passes answers and errors through, and leaves no timer behind', async () => {
    const clock = new TestClock();
    const deadlines = new DeadlineQueue(clock, 'cache', 500);
    expect(await deadlines.run('get', Promise.resolve('v'))).toBe('v');
    await expect(deadlines.run('set', Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await clock.advance(1000);
    expect(deadlines.pending).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('rejects each call that has no answer at its own deadline, with OperationTimeoutError', async () => {
    const clock = new TestClock();
    const deadlines = new DeadlineQueue(clock, 'cache', 500);
    const first = deadlines.run('get', never()).catch((e: unknown) => e);
    await clock.advance(200);
    const second = deadlines.run('set', never()).catch((e: unknown) => e);
    let answered!: (v: string) => void;
    const third = deadlines.run('get', new Promise<string>((r) => (answered = r)));
    await clock.advance(300);
    const e1 = await first;
    expect(isOperationTimeoutError(e1)).toBe(true);
    expect(e1).toMatchObject({ resource: 'cache', operation: 'get', timeoutMs: 500 });
    expect(deadlines.pending).toBe(2);
    answered('in time');
    expect(await third).toBe('in time');
    await clock.advance(199);
    expect(deadlines.pending).toBe(1);
    await clock.advance(1);
    expect(isOperationTimeoutError(await second)).toBe(true);
    expect(deadlines.pending).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a late answer after the deadline is ignored', async () => {
    const clock = new TestClock();
    const deadlines = new DeadlineQueue(clock, 'cache', 100);
    let late!: (v: string) => void;
    const call = deadlines.run('get', new Promise<string>((r) => (late = r))).catch((e: unknown) => e);
    await clock.advance(100);
    late('too late');
    expect(isOperationTimeoutError(await call)).toBe(true);
  });

  it('a steady stream of answered calls keeps the queue short', async () => {
    const clock = new TestClock();
    const deadlines = new DeadlineQueue(clock, 'cache', 100);
    for (let i = 0; i < 5000; i++) await deadlines.run('get', Promise.resolve(i));
    expect(deadlines.pending).toBe(0);
    expect((deadlines as unknown as { queue: unknown[] }).queue.length).toBe(0);
  });

  it("start/settle time a call answered through a callback, with no promise of the queue's own", async () => {
    const clock = new TestClock();
    const deadlines = new DeadlineQueue(clock, 'cache', 500);
    const call = (answerAfter: number | undefined): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const deadline = deadlines.start('get', reject);
        if (answerAfter !== undefined) {
          clock.setTimeout(() => {
            if (deadlines.settle(deadline)) resolve('answer');
          }, answerAfter);
        }
      });
    const quick = call(100);
    const late = call(700).catch((e: unknown) => e);
    const never = call(undefined).catch((e: unknown) => e);
    await clock.advance(100);
    expect(await quick).toBe('answer');
    expect(deadlines.pending).toBe(2);
    await clock.advance(400);
    expect(isOperationTimeoutError(await late)).toBe(true);
    expect(isOperationTimeoutError(await never)).toBe(true);
    expect(deadlines.pending).toBe(0);
    // The late answer finds its deadline passed: settle() says so, and nothing is resolved twice.
    await clock.advance(200);
    expect(clock.pending).toBe(0);
  });
});
