import { describe, expect, it } from 'vitest';
import { createResilience } from '../../../src/resilience/index.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { resilienceContext, transientError } from './support/context.js';

describe('pipeline', () => {
  it("passes the value through and the caller's signal to the operation", async () => {
    const ctx = resilienceContext();
    const p = createResilience(ctx).pipeline('filesystem');
    const controller = new AbortController();
    expect(await p.run('stat', async () => 42, { signal: controller.signal })).toBe(42);
    let got: AbortSignal | undefined;
    const pending = p.run(
      'stat',
      (signal) => {
        got = signal;
        return new Promise<number>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      { signal: controller.signal },
    );
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    expect(got?.aborted).toBe(true);
  });

  it('an unknown error is logged once with its full detail, counted every time', async () => {
    const ctx = resilienceContext({ retry: { max_attempts: 1 }, circuit_breaker: { minimum_calls: 1000 } });
    const resilience = createResilience(ctx);
    const p = resilience.pipeline('database');
    class WeirdDriverError extends Error {
      public readonly weirdCode = 'W42';
    }
    for (let i = 0; i < 5; i++)
      await p
        .run('q', async () => {
          throw new WeirdDriverError('something odd');
        })
        .catch(() => undefined);
    const logs = ctx.logged.filter((l) => l.message.startsWith('unrecognised error'));
    expect(logs).toHaveLength(1);
    expect(logs[0]!.meta.detail).toMatchObject({
      name: 'Error',
      class: 'WeirdDriverError',
      message: 'something odd',
      weirdCode: 'W42',
    });
    expect(String((logs[0]!.meta.detail as { stack: string }).stack)).toContain('something odd');
    const metrics = await ctx.metrics.metrics();
    expect(metrics).toContain('stator_resilience_unknown_errors_total 5');
  });

  it('exposes plain counters through prom-client collect()', async () => {
    const ctx = resilienceContext(
      { retry: { max_attempts: 2, delay: 0 }, circuit_breaker: { minimum_calls: 3 } },
      { clock: systemClock },
    );
    const resilience = createResilience(ctx);
    const p = resilience.pipeline('database');
    await p.run('q', async () => 1);
    for (let i = 0; i < 3; i++)
      await p
        .run('q', async () => {
          throw transientError();
        })
        .catch(() => undefined);
    await p.run('q', async () => 1).catch(() => undefined);
    await p.read(
      'q',
      'k',
      async () => {
        throw transientError();
      },
      { default: { value: 0 } },
    );
    const text = await ctx.metrics.metrics();
    expect(text).toContain('stator_resilience_calls_total{resource="database",outcome="success"} 1');
    // Two failures (after one retry each) trip it at minimum_calls 3; the rest are rejected.
    expect(text).toContain('stator_resilience_calls_total{resource="database",outcome="failure"} 2');
    expect(text).toContain('stator_resilience_calls_total{resource="database",outcome="rejected"} 3');
    expect(text).toContain('stator_resilience_retries_total{resource="database"} 2');
    expect(text).toContain('stator_resilience_errors_total{resource="database",kind="connection-lost"} 2');
    expect(text).toContain('stator_resilience_fallbacks_total{resource="database",source="default"} 1');
    expect(text).toContain('stator_resilience_breaker_state{resource="database",state="open"} 1');
    expect(text).toContain('stator_resilience_breaker_transitions_total{resource="database",state="open"} 1');
  });

  it('a second createResilience on the same registry does not throw on metric registration', () => {
    const ctx = resilienceContext();
    createResilience(ctx);
    expect(() => createResilience(ctx)).not.toThrow();
  });

  it('rate_limit.max_concurrent holds (local bottleneck)', async () => {
    const ctx = resilienceContext(
      { rate_limit: { database: { max_concurrent: 2, shared: false } } },
      { clock: systemClock },
    );
    const resilience = createResilience(ctx);
    const p = resilience.pipeline('database');
    let running = 0;
    let peak = 0;
    let started = 0;
    const gates: (() => void)[] = [];
    const calls = Array.from({ length: 6 }, () =>
      p.run('q', async () => {
        running++;
        started++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
      }),
    );
    while (started < 6) {
      await new Promise((r) => setTimeout(r, 5));
      expect(running).toBeLessThanOrEqual(2);
      gates.splice(0).forEach((g) => g());
    }
    gates.forEach((g) => g());
    await Promise.all(calls);
    expect(peak).toBe(2);
    await resilience.stop();
  });

  it('a call waiting for a max_concurrent slot gives up its place when aborted', async () => {
    const ctx = resilienceContext({ rate_limit: { database: { max_concurrent: 1 } } }, { clock: systemClock });
    const resilience = createResilience(ctx);
    const p = resilience.pipeline('database');
    let release!: () => void;
    const holder = p.run('hold', () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    let ran = false;
    const waiter = p.run(
      'wait',
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    const after = p.run('after', async () => 'after');
    controller.abort(new Error('gave up'));
    await expect(waiter).rejects.toThrow('gave up');
    release();
    await holder;
    expect(await after).toBe('after');
    expect(ran).toBe(false);
    await resilience.stop();
  });

  it('a pipeline without limits has no limiter at all', () => {
    const ctx = resilienceContext({ rate_limit: { database: { max_concurrent: 1 } } });
    const resilience = createResilience(ctx);
    expect((resilience.pipeline('cache') as unknown as { limiter?: unknown }).limiter).toBeUndefined();
    expect((resilience.pipeline('database') as unknown as { limiter?: unknown }).limiter).toBeDefined();
  });

  it('stop() stops the breakers; a late pipeline() is refused', async () => {
    const ctx = resilienceContext();
    const resilience = createResilience(ctx);
    const p = resilience.pipeline('database');
    let completed = false;
    p.breaker.state$.subscribe({ complete: () => (completed = true) });
    await resilience.stop();
    expect(completed).toBe(true);
    expect(() => resilience.pipeline('cache')).toThrow(/stopped/);
  });
});
