import { describe, expect, it } from 'vitest';
import { isOperationTimeoutError } from '../../../src/errors/operation-timeout-error.js';
import { attemptsOf, createResilience } from '../../../src/resilience/index.js';
import type { TestClock } from '../../../src/kernel/clock.js';
import { resilienceContext, seededRandom, transientError, type ErrorHandlingInput } from './support/context.js';

type RetryInput = NonNullable<ErrorHandlingInput['retry']>;

/** A pipeline whose operation fails `failures` times (with `error()`) then succeeds, recording attempt times. */
function setup(retry: RetryInput, failures = Number.POSITIVE_INFINITY, error: () => unknown = transientError) {
  const ctx = resilienceContext({ retry, circuit_breaker: { minimum_calls: 1_000 } });
  const resilience = createResilience(ctx, { random: seededRandom(1) });
  const pipeline = resilience.pipeline('database');
  const clock = ctx.clock as TestClock;
  const attempts: number[] = [];
  const op = async (): Promise<string> => {
    attempts.push(clock.now());
    if (attempts.length <= failures) throw error();
    return 'ok';
  };
  const gaps = (): number[] => attempts.slice(1).map((t, i) => t - attempts[i]!);
  return { ctx, pipeline, clock, attempts, op, gaps };
}

async function settle<T>(clock: TestClock, p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let done = false;
  const result = p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void result.finally(() => (done = true));
  for (let i = 0; i < 1_000 && !done; i++) {
    await clock.advance(0);
    await clock.runAll();
  }
  return result;
}

describe('retry', () => {
  it('constant: max_attempts in all, equal delays, original error rethrown with attempts', async () => {
    const s = setup({ max_attempts: 4, delay: 2, backoff: 'constant', jitter: 'none' });
    const { error } = await settle(s.clock, s.pipeline.run('q', s.op));
    expect(s.attempts).toHaveLength(4);
    expect(s.gaps()).toEqual([2000, 2000, 2000]);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(attemptsOf(error)).toBe(4);
  });

  it('linear: base × n', async () => {
    const s = setup({ max_attempts: 4, delay: 1, backoff: 'linear', jitter: 'none' });
    await settle(s.clock, s.pipeline.run('q', s.op));
    expect(s.gaps()).toEqual([1000, 2000, 3000]);
  });

  it('exponential: base × 2^(n−1), capped by max_delay', async () => {
    const s = setup({ max_attempts: 6, delay: 1, backoff: 'exponential', jitter: 'none', max_delay: 5 });
    await settle(s.clock, s.pipeline.run('q', s.op));
    expect(s.gaps()).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('full jitter: every delay within [0, shape]', async () => {
    const s = setup({ max_attempts: 6, delay: 1, backoff: 'exponential', jitter: 'full', max_delay: 100 });
    await settle(s.clock, s.pipeline.run('q', s.op));
    s.gaps().forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(0);
      expect(gap).toBeLessThanOrEqual(1000 * 2 ** i);
    });
  });

  it('succeeds on a later attempt and returns its value', async () => {
    const s = setup({ max_attempts: 3, delay: 1, jitter: 'none' }, 2);
    const { value } = await settle(s.clock, s.pipeline.run('q', s.op));
    expect(value).toBe('ok');
    expect(s.attempts).toHaveLength(3);
  });

  it('does not retry non-transient errors (constraint, syntax, unknown)', async () => {
    const errors = [
      () =>
        Object.assign(new Error('duplicate key value violates unique constraint'), {
          code: '23505',
          severity: 'ERROR',
        }),
      () =>
        Object.assign(new Error('You have an error in your SQL syntax'), {
          errno: 1064,
          code: 'ER_PARSE_ERROR',
          sqlState: '42000',
        }),
      () => new TypeError('x is not a function'),
    ];
    for (const error of errors) {
      const s = setup({ max_attempts: 5, delay: 1 }, Number.POSITIVE_INFINITY, error);
      const result = await settle(s.clock, s.pipeline.run('q', s.op));
      expect(s.attempts).toHaveLength(1);
      expect(attemptsOf(result.error)).toBe(1);
    }
  });

  it('retry: false (writes, non-idempotent operations) never retries', async () => {
    const s = setup({ max_attempts: 5, delay: 1 });
    const { error } = await settle(s.clock, s.pipeline.run('insert', s.op, { retry: false }));
    expect(s.attempts).toHaveLength(1);
    expect(attemptsOf(error)).toBe(1);
  });

  it('an abort cuts a back-off sleep short, and no further attempt starts', async () => {
    const s = setup({ max_attempts: 5, delay: 60, backoff: 'constant', jitter: 'none' });
    const controller = new AbortController();
    const result = s.pipeline.run('q', s.op, { signal: controller.signal }).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await s.clock.advance(1_000); // first attempt failed; sleeping 60 s
    expect(s.attempts).toHaveLength(1);
    controller.abort(new Error('client went away'));
    expect(await result).toMatchObject({ message: 'client went away' });
    await s.clock.runAll();
    expect(s.attempts).toHaveLength(1);
    expect(s.clock.pending).toBe(0);
  });

  it('an abort during an attempt settles the call at once even if the operation ignores its signal', async () => {
    const s = setup({ max_attempts: 3 });
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const result = s.pipeline
      .run(
        'q',
        (signal) => {
          seen = signal;
          return new Promise<never>(() => undefined);
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    controller.abort(new Error('stop'));
    expect(await result).toMatchObject({ message: 'stop' });
    expect(seen?.aborted).toBe(true);
  });

  it('max_total: no retry starts that would end past the total budget', async () => {
    const s = setup({ max_attempts: 100, delay: 1, backoff: 'constant', jitter: 'none', max_total: 3.5 });
    const { error } = await settle(s.clock, s.pipeline.run('q', s.op));
    // Attempts at t = 0, 1000, 2000, 3000; one at 4000 would start past the 3500 ms budget.
    expect(s.attempts.map((t) => t - s.attempts[0]!)).toEqual([0, 1000, 2000, 3000]);
    expect(attemptsOf(error)).toBe(4);
  });

  it('max_total also bounds the last attempt: it is aborted when the budget runs out', async () => {
    const s = setup({ max_attempts: 100, delay: 1, backoff: 'constant', jitter: 'none', max_total: 3.5 });
    const start = s.clock.now();
    let last = 0;
    const { error } = await settle(
      s.clock,
      s.pipeline.run('q', (signal) => {
        if (s.clock.now() - start < 3000) return Promise.reject(transientError());
        signal.addEventListener('abort', () => (last = s.clock.now()));
        return new Promise<never>(() => undefined);
      }),
    );
    expect(error).toMatchObject({ code: 'OPERATION_TIMEOUT' });
    expect(last - start).toBe(3500);
  });

  it('attempt_timeout: a hung attempt is aborted with OperationTimeoutError and retried', async () => {
    const s = setup({ max_attempts: 2, delay: 1, jitter: 'none', attempt_timeout: 5 });
    const signals: AbortSignal[] = [];
    const result = settle(
      s.clock,
      s.pipeline.run('slow', (signal) => {
        signals.push(signal);
        return new Promise<never>(() => undefined);
      }),
    );
    const { error } = await result;
    expect(isOperationTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'OPERATION_TIMEOUT',
      timeoutMs: 5000,
      resource: 'database',
      operation: 'slow',
    });
    expect(signals).toHaveLength(2);
    expect(signals.every((sig) => sig.aborted)).toBe(true);
    expect(attemptsOf(error)).toBe(2);
  });

  it('timeoutMs of a call overrides attempt_timeout', async () => {
    const s = setup({ max_attempts: 1, attempt_timeout: 60 });
    const start = s.clock.now();
    let abortedAt = 0;
    const { error } = await settle(
      s.clock,
      s.pipeline.run(
        'q',
        (signal) =>
          new Promise<never>(() => {
            signal.addEventListener('abort', () => (abortedAt = s.clock.now()));
          }),
        { timeoutMs: 250 },
      ),
    );
    expect(error).toMatchObject({ code: 'OPERATION_TIMEOUT', timeoutMs: 250 });
    expect(abortedAt - start).toBe(250);
  });

  it('each retry is an event with the attempt, delay and kind; giving up is one too', async () => {
    const s = setup({ max_attempts: 3, delay: 1, backoff: 'constant', jitter: 'none' });
    await settle(s.clock, s.pipeline.run('q', s.op));
    const signals = s.ctx.published.filter((e) => e.source === 'resilience.database');
    expect(signals.map((e) => [e.type, e.data])).toEqual([
      ['retry.attempt', { operation: 'q', attempt: 2, delayMs: 1000, kind: 'connection-lost', code: 'ECONNRESET' }],
      ['retry.attempt', { operation: 'q', attempt: 3, delayMs: 1000, kind: 'connection-lost', code: 'ECONNRESET' }],
      ['retry.exhausted', { operation: 'q', attempts: 3, kind: 'connection-lost' }],
    ]);
  });

  it('stops retrying when the breaker opens meanwhile', async () => {
    const ctx = resilienceContext({
      retry: { max_attempts: 10, delay: 1, backoff: 'constant', jitter: 'none' },
      circuit_breaker: { minimum_calls: 1 },
    });
    const pipeline = createResilience(ctx).pipeline('database');
    const clock = ctx.clock as TestClock;
    let attempts = 0;
    const call = pipeline
      .run('q', async () => {
        attempts++;
        throw transientError();
      })
      .catch((e: unknown) => e);
    await clock.advance(0);
    pipeline.breaker.isolate();
    await clock.runAll();
    expect(attemptsOf(await call)).toBe(attempts);
    expect(attempts).toBeLessThanOrEqual(2);
  });
});
