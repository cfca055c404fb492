import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../../src/kernel/deadline.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { OperationTimeoutError } from '../../../src/errors/operation-timeout-error.js';

const onTimeout = (): Error => new OperationTimeoutError('database', 'connect', 100, 'database.timeout');

describe('withDeadline', () => {
  it('settles like the work when it finishes in time', async () => {
    const clock = new TestClock();
    await expect(withDeadline(Promise.resolve(7), { clock, ms: 100, onTimeout })).resolves.toBe(7);
    expect(clock.pending).toBe(0);
  });

  it("rejects at the deadline with the caller's timeout error and hands a late result to `late`", async () => {
    const clock = new TestClock();
    let finish!: (v: string) => void;
    const late: string[] = [];
    const result = withDeadline(new Promise<string>((r) => (finish = r)), {
      clock,
      ms: 100,
      onTimeout,
      late: (v) => late.push(v),
    });
    const outcome = result.catch((e: unknown) => e);
    await clock.advance(100);
    const error = await outcome;
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect((error as Error).message).toMatch(
      /database operation "connect" got no answer within 100 ms.*Raise database\.timeout/,
    );
    finish('connection');
    await clock.advance(0);
    expect(late).toEqual(['connection']);
  });

  it('rejects with the reason when the signal aborts', async () => {
    const clock = new TestClock();
    const controller = new AbortController();
    const result = withDeadline(new Promise(() => undefined), {
      clock,
      ms: 100,
      signal: controller.signal,
      onTimeout,
    }).catch((e: unknown) => e);
    controller.abort(new Error('stop'));
    expect(await result).toEqual(new Error('stop'));
  });

  it('with no deadline (0), waits for the work or the signal only', async () => {
    const clock = new TestClock();
    const controller = new AbortController();
    const result = withDeadline(new Promise(() => undefined), {
      clock,
      ms: 0,
      signal: controller.signal,
      onTimeout,
    }).catch((e: unknown) => e);
    await clock.advance(1_000_000);
    controller.abort(new Error('gave up'));
    expect(await result).toEqual(new Error('gave up'));
  });
});
