import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { isCircuitOpenError } from '../../../src/errors/circuit-open-error.js';
import { createResilience, type BreakerState } from '../../../src/resilience/index.js';
import type { TestClock } from '../../../src/kernel/clock.js';
import { resilienceContext, transientError, type ErrorHandlingInput } from './support/context.js';

const breakerConfig = (overrides: NonNullable<ErrorHandlingInput['circuit_breaker']> = {}): ErrorHandlingInput => ({
  retry: { max_attempts: 1 },
  circuit_breaker: { threshold: 0.5, window: 10, minimum_calls: 4, reset_timeout: 10, trial_timeout: 5, ...overrides },
});

function setup(config: ErrorHandlingInput = breakerConfig(), probe?: (signal: AbortSignal) => Promise<void>) {
  const ctx = resilienceContext(config);
  const resilience = createResilience(ctx);
  const pipeline = resilience.pipeline('database', probe ? { probe } : undefined);
  const clock = ctx.clock as TestClock;
  const ok = (): Promise<string> => pipeline.run('op', async () => 'ok');
  const fail = (): Promise<unknown> =>
    pipeline
      .run('op', async () => {
        throw transientError();
      })
      .catch((e: unknown) => e);
  return { ctx, resilience, pipeline, breaker: pipeline.breaker, clock, ok, fail };
}

describe('circuit breaker (pipeline)', () => {
  it('does not trip before minimum_calls, even at 100% failures', async () => {
    const s = setup();
    for (let i = 0; i < 3; i++) await s.fail();
    expect(s.breaker.state).toBe('closed');
    await s.fail();
    expect(s.breaker.state).toBe('open');
  });

  it('trips when the failure ratio reaches the threshold, not below it', async () => {
    const s = setup(breakerConfig({ consecutive_failures: 0 }));
    for (let i = 0; i < 6; i++) await s.ok();
    for (let i = 0; i < 5; i++) await s.fail();
    expect(s.breaker.state).toBe('closed'); // 5/11 < 0.5
    await s.fail();
    expect(s.breaker.state).toBe('open'); // 6/12 = 0.5
  });

  it('trips on consecutive_failures in a row although earlier successes keep the ratio low', async () => {
    const s = setup(breakerConfig({ consecutive_failures: 3 }));
    for (let i = 0; i < 50; i++) await s.ok();
    await s.fail();
    await s.fail();
    await s.ok(); // a success resets the run
    await s.fail();
    await s.fail();
    expect(s.breaker.state).toBe('closed');
    await s.fail();
    expect(s.breaker.state).toBe('open'); // 5/55 failures, but three in a row
    const events: BreakerState[] = [];
    s.breaker.state$.subscribe((b) => events.push(b));
    expect(events.at(-1)?.reason).toBe('consecutive-failures');
  });

  it('does not count against a new closed period the failure of a call let through before the outage', async () => {
    const s = setup(breakerConfig({ consecutive_failures: 1 }));
    // A call admitted while closed, still in flight when the breaker opens and closes again.
    const stale = s.pipeline.admit('op');
    expect(stale).toBeDefined();
    await s.fail();
    expect(s.breaker.state).toBe('open');
    s.breaker.reset();
    expect(s.breaker.state).toBe('closed');
    // With one failure in a row enough to trip it, a counted straggler would open it again.
    stale?.failed(transientError());
    expect(s.breaker.state).toBe('closed');
    // A call admitted in the new period still counts (one failure in a row trips it).
    await s.fail();
    expect(s.breaker.state).toBe('open');
  });

  it('does not count against a new closed period an acquire that failed after waiting through the outage', async () => {
    const s = setup(breakerConfig({ consecutive_failures: 1 }));
    // A query let past the breaker before the outage, still waiting for a pooled connection.
    const period = s.pipeline.refuseIfOpen('op');
    await s.fail();
    expect(s.breaker.state).toBe('open');
    s.breaker.reset();
    // Its acquire times out just after the recovery: counted, it would open the breaker again.
    s.pipeline.acquireFailed(period, 'op', transientError());
    expect(s.breaker.state).toBe('closed');
    // An acquire that started in the new period and failed still counts.
    s.pipeline.acquireFailed(s.pipeline.refuseIfOpen('op'), 'op', transientError());
    expect(s.breaker.state).toBe('open');
  });

  it('forgets failures older than the window', async () => {
    const s = setup();
    for (let i = 0; i < 3; i++) await s.fail();
    await s.clock.advance(11_000);
    await s.fail();
    expect(s.breaker.state).toBe('closed'); // only 1 call in the window now
  });

  it('rejects at once while open with CircuitOpenError carrying retryAt; the operation is not called', async () => {
    const s = setup();
    for (let i = 0; i < 4; i++) await s.fail();
    const trippedAt = s.clock.now();
    let called = false;
    const error = await s.pipeline
      .run('op', async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'CIRCUIT_OPEN',
      breaker: 'database',
      state: 'open',
      retryAt: trippedAt + 10_000,
    });
    expect(s.breaker.nextAttemptAt).toBe(trippedAt + 10_000);
    expect((error as Error).message).toMatch(/open after repeated failures.*retry after/i);
  });

  it('errors that say nothing about the resource (constraint, syntax) never trip it', async () => {
    const s = setup();
    const constraint = Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' });
    for (let i = 0; i < 20; i++)
      await s.pipeline
        .run('op', async () => {
          throw constraint;
        })
        .catch(() => undefined);
    expect(s.breaker.state).toBe('closed');
  });

  it('half-open trial calls: half_open_calls let through, the rest refused; all succeed → closed', async () => {
    const s = setup(breakerConfig({ half_open_calls: 2 }));
    for (let i = 0; i < 4; i++) await s.fail();
    await s.clock.advance(10_000);
    expect(s.breaker.state).toBe('halfOpen');
    const gates: (() => void)[] = [];
    const trial = (): Promise<void> => s.pipeline.run('trial', () => new Promise<void>((r) => gates.push(r)));
    const t1 = trial();
    const t2 = trial();
    const refused = await s.pipeline.run('op', async () => 'x').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CIRCUIT_OPEN', state: 'halfOpen' });
    gates[0]!();
    await t1;
    expect(s.breaker.state).toBe('halfOpen');
    gates[1]!();
    await t2;
    expect(s.breaker.state).toBe('closed');
    expect(await s.ok()).toBe('ok');
  });

  it('a failed trial reopens with a longer reset timeout when reset_backoff > 1', async () => {
    const s = setup(breakerConfig({ reset_backoff: 3, max_reset_timeout: 1000 }));
    for (let i = 0; i < 4; i++) await s.fail();
    await s.clock.advance(10_000);
    await s.fail();
    expect(s.breaker.state).toBe('open');
    expect(s.breaker.nextAttemptAt).toBe(s.clock.now() + 30_000);
  });

  it('with a probe, no user call is the guinea pig: calls are refused while the probe runs', async () => {
    let probes = 0;
    let release: (() => void) | undefined;
    const s = setup(breakerConfig(), () => {
      probes++;
      return new Promise<void>((r) => (release = r));
    });
    for (let i = 0; i < 4; i++) await s.fail();
    await s.clock.advance(10_000);
    expect(s.breaker.state).toBe('halfOpen');
    expect(probes).toBe(1);
    let called = false;
    await expect(
      s.pipeline.run('op', async () => {
        called = true;
      }),
    ).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(called).toBe(false);
    release!();
    await s.clock.advance(0);
    expect(s.breaker.state).toBe('closed');
  });

  it('a hung probe is aborted at trial_timeout and the breaker reopens', async () => {
    let signal: AbortSignal | undefined;
    const s = setup(breakerConfig(), (sig) => {
      signal = sig;
      return new Promise<void>(() => undefined);
    });
    for (let i = 0; i < 4; i++) await s.fail();
    await s.clock.advance(10_000);
    await s.clock.advance(5_000);
    expect(s.breaker.state).toBe('open');
    expect(signal?.aborted).toBe(true);
  });

  it('circuit_breaker.probe: false uses trial calls even when a probe is given', async () => {
    let probes = 0;
    const s = setup(breakerConfig({ probe: false }), async () => {
      probes++;
    });
    for (let i = 0; i < 4; i++) await s.fail();
    await s.clock.advance(10_000);
    expect(await s.ok()).toBe('ok');
    expect(s.breaker.state).toBe('closed');
    expect(probes).toBe(0);
  });

  it('slow-call rule: calls slower than slow_call_threshold trip it at slow_call_ratio', async () => {
    const s = setup(breakerConfig({ slow_call_threshold: 2, slow_call_ratio: 0.5 }));
    const slow = async (): Promise<void> => {
      const done = s.pipeline.run('slow', () => new Promise<void>((r) => s.ctx.clock.setTimeout(r, 2_500)));
      await s.clock.advance(2_500);
      await done;
    };
    await s.ok();
    await s.ok();
    await slow();
    expect(s.breaker.state).toBe('closed');
    await slow(); // 2 slow of 4
    expect(s.breaker.state).toBe('open');
    expect(await firstValueFrom(s.breaker.state$)).toMatchObject({ state: 'open', reason: 'slow-calls' });
  });

  it('isolate() refuses everything until reset(); reset() closes and forgets the window', async () => {
    const s = setup();
    await s.fail();
    await s.fail();
    s.breaker.isolate();
    expect(s.breaker.state).toBe('isolated');
    await expect(s.ok()).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', state: 'isolated', retryAt: undefined });
    await s.clock.advance(1_000_000);
    expect(s.breaker.state).toBe('isolated');
    s.breaker.reset();
    expect(s.breaker.state).toBe('closed');
    await s.fail();
    await s.fail();
    expect(s.breaker.state).toBe('closed'); // the two earlier failures were forgotten
  });

  it('state$ replays the current state and emits each transition', async () => {
    const s = setup();
    const seen: BreakerState[] = [];
    s.breaker.state$.subscribe((x) => seen.push(x));
    for (let i = 0; i < 4; i++) await s.fail();
    await s.clock.advance(10_000);
    await s.ok();
    expect(seen.map((x) => x.state)).toEqual(['closed', 'open', 'halfOpen', 'closed']);
    expect(seen[1]).toMatchObject({
      name: 'database',
      trips: 1,
      reason: 'failure-ratio',
      nextAttemptAt: seen[1]!.since + 10_000,
    });
  });

  it('the machine receives an event only when the state changes, not per call', async () => {
    const s = setup();
    for (let i = 0; i < 1_000; i++) await s.ok();
    const machineEvents = s.ctx.published.filter((e) => e.source === 'breaker.database');
    expect(machineEvents.map((e) => e.type)).toEqual(['xstate.init']);
    for (let i = 0; i < 1_000; i++) await s.fail();
    expect(s.ctx.published.filter((e) => e.source === 'breaker.database').map((e) => e.type)).toEqual([
      'xstate.init',
      'TRIP',
    ]);
  });

  it('each transition and rejected call is an event', async () => {
    const s = setup();
    for (let i = 0; i < 4; i++) await s.fail();
    await s.ok().catch(() => undefined);
    const signals = s.ctx.published.filter((e) => e.source === 'resilience.database').map((e) => e.type);
    expect(signals).toEqual(['breaker.transition', 'breaker.rejected']);
    expect(s.ctx.published.find((e) => e.type === 'breaker.transition')?.data).toMatchObject({
      from: 'closed',
      to: 'open',
      reason: 'failure-ratio',
    });
  });

  it("stator.breaker(name) is the pipeline's breaker; same name, same pipeline", () => {
    const s = setup();
    expect(s.resilience.breaker('database')).toBe(s.breaker);
    expect(s.resilience.pipeline('database')).toBe(s.pipeline);
    expect(s.resilience.breaker('nope')).toBeUndefined();
  });
});
