import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import {
  circuitBreakerMachine,
  MAX_TIMER_MS,
  resetDelayMs,
  type CircuitBreakerContext,
  type CircuitBreakerInput,
} from '../../../machines/circuit-breaker.machine.js';
import { TestClock } from '../../../src/kernel/clock.js';

const input: CircuitBreakerInput = {
  name: 'database',
  resetTimeoutMs: 10_000,
  resetBackoff: 2,
  maxResetTimeoutMs: 60_000,
  trialTimeoutMs: 5_000,
  halfOpenCalls: 2,
  useProbe: false,
};

interface Harness {
  readonly clock: TestClock;
  readonly actor: ReturnType<typeof createActor<typeof circuitBreakerMachine>>;
  readonly state: () => string;
  readonly context: () => CircuitBreakerContext;
  probes: { resolve: () => void; reject: (e: Error) => void; signal: AbortSignal }[];
}

function start(overrides: Partial<CircuitBreakerInput> = {}): Harness {
  const clock = new TestClock();
  const probes: Harness['probes'] = [];
  const machine = circuitBreakerMachine.provide({
    actors: {
      probe: fromPromise<void, { name: string }>(
        ({ signal }) => new Promise<void>((resolve, reject) => probes.push({ resolve, reject, signal })),
      ),
    },
  });
  const actor = createActor(machine, { clock, input: { ...input, ...overrides } });
  actor.start();
  const state = (): string => {
    const v = actor.getSnapshot().value;
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  return { clock, actor, state, context: () => actor.getSnapshot().context, probes };
}

describe('circuit-breaker machine', () => {
  it('starts closed with no trips', () => {
    const h = start();
    expect(h.state()).toBe('closed');
    expect(h.context().trips).toBe(0);
  });

  it('closed → open on TRIP, with the reason', () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    expect(h.state()).toBe('open');
    expect(h.context()).toMatchObject({ trips: 1, reason: 'failure-ratio' });
  });

  it('ignores trial results and TRIP while open', () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    h.actor.send({ type: 'TRIAL.SUCCESS' });
    h.actor.send({ type: 'TRIP', reason: 'slow-calls' });
    expect(h.state()).toBe('open');
    expect(h.context().trips).toBe(1);
  });

  it('open → halfOpen exactly after reset_timeout', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(9_999);
    expect(h.state()).toBe('open');
    await h.clock.advance(1);
    expect(h.state()).toBe('{"halfOpen":"trial"}');
  });

  it('halfOpen (trials): closes only after half_open_calls successes, and forgets the trips', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(10_000);
    h.actor.send({ type: 'TRIAL.SUCCESS' });
    expect(h.state()).toBe('{"halfOpen":"trial"}');
    expect(h.context().trialSuccesses).toBe(1);
    h.actor.send({ type: 'TRIAL.SUCCESS' });
    expect(h.state()).toBe('closed');
    expect(h.context()).toMatchObject({ trips: 0, reason: 'recovered' });
  });

  it('halfOpen (trials): one failure reopens, and the reset timeout grows by reset_backoff', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(10_000);
    h.actor.send({ type: 'TRIAL.SUCCESS' });
    h.actor.send({ type: 'TRIAL.FAILURE' });
    expect(h.state()).toBe('open');
    expect(h.context()).toMatchObject({ trips: 2, reason: 'trial-failed' });
    await h.clock.advance(19_999);
    expect(h.state()).toBe('open');
    await h.clock.advance(1);
    expect(h.state()).toBe('{"halfOpen":"trial"}');
    expect(h.context().trialSuccesses).toBe(0);
  });

  it('the growing reset timeout is capped at max_reset_timeout', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    const waits: number[] = [];
    for (let trip = 1; trip <= 5; trip++) {
      waits.push(resetDelayMs(h.context()));
      await h.clock.advance(resetDelayMs(h.context()));
      expect(h.state()).toBe('{"halfOpen":"trial"}');
      h.actor.send({ type: 'TRIAL.FAILURE' });
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('a hung trial cannot leave it half-open: trial_timeout reopens it', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(10_000);
    h.actor.send({ type: 'TRIAL.SUCCESS' });
    await h.clock.advance(5_000);
    expect(h.state()).toBe('open');
    expect(h.context()).toMatchObject({ trips: 2, reason: 'trial-timeout' });
  });

  it('halfOpen (probe): a successful probe closes without any trial call', async () => {
    const h = start({ useProbe: true });
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(10_000);
    expect(h.state()).toBe('{"halfOpen":"probing"}');
    expect(h.probes).toHaveLength(1);
    h.probes[0]!.resolve();
    await h.clock.advance(0);
    expect(h.state()).toBe('closed');
  });

  it('halfOpen (probe): a failed probe reopens', async () => {
    const h = start({ useProbe: true });
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(10_000);
    h.probes[0]!.reject(new Error('PING failed'));
    await h.clock.advance(0);
    expect(h.state()).toBe('open');
    expect(h.context()).toMatchObject({ trips: 2, reason: 'probe-failed' });
  });

  it('halfOpen (probe): a hung probe is aborted at trial_timeout and the breaker reopens', async () => {
    const h = start({ useProbe: true });
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(10_000);
    const probe = h.probes[0]!;
    await h.clock.advance(5_000);
    expect(h.state()).toBe('open');
    expect(probe.signal.aborted).toBe(true);
    expect(h.context().reason).toBe('trial-timeout');
  });

  it('isolate from every state; only RESET leaves isolated', async () => {
    for (const setup of ['closed', 'open', 'halfOpen'] as const) {
      const h = start();
      if (setup !== 'closed') h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
      if (setup === 'halfOpen') await h.clock.advance(10_000);
      h.actor.send({ type: 'ISOLATE' });
      expect(h.state()).toBe('isolated');
      await h.clock.advance(1_000_000);
      h.actor.send({ type: 'TRIAL.SUCCESS' });
      h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
      h.actor.send({ type: 'REMOTE.OPEN', delayMs: 5, trips: 1 });
      expect(h.state()).toBe('isolated');
      h.actor.send({ type: 'RESET' });
      expect(h.state()).toBe('closed');
      expect(h.context()).toMatchObject({ trips: 0, reason: 'reset' });
    }
  });

  it('RESET closes an open breaker at once and disarms its timer', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    h.actor.send({ type: 'RESET' });
    expect(h.state()).toBe('closed');
    await h.clock.advance(100_000);
    expect(h.state()).toBe('closed');
  });

  it('REMOTE.OPEN opens for the announced delay and keeps the larger trip count', async () => {
    const h = start();
    h.actor.send({ type: 'REMOTE.OPEN', delayMs: 3_000, trips: 3 });
    expect(h.state()).toBe('open');
    expect(h.context()).toMatchObject({ trips: 3, reason: 'remote', remoteDelayMs: 3_000 });
    await h.clock.advance(3_000);
    expect(h.state()).toBe('{"halfOpen":"trial"}');
  });

  it('REMOTE.OPEN while open re-arms the timer with the new delay', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    await h.clock.advance(9_000);
    h.actor.send({ type: 'REMOTE.OPEN', delayMs: 4_000, trips: 1 });
    await h.clock.advance(3_999);
    expect(h.state()).toBe('open');
    await h.clock.advance(1);
    expect(h.state()).toBe('{"halfOpen":"trial"}');
  });

  it('a local trip after a remote open uses its own growing timeout again', async () => {
    const h = start();
    h.actor.send({ type: 'REMOTE.OPEN', delayMs: 1_000, trips: 1 });
    await h.clock.advance(1_000);
    h.actor.send({ type: 'TRIAL.FAILURE' });
    expect(h.context()).toMatchObject({ trips: 2, remoteDelayMs: undefined });
    expect(resetDelayMs(h.context())).toBe(20_000);
  });

  it('REMOTE.CLOSE closes from open, halfOpen and isolated; REMOTE.ISOLATE isolates', async () => {
    const h = start();
    h.actor.send({ type: 'TRIP', reason: 'failure-ratio' });
    h.actor.send({ type: 'REMOTE.CLOSE' });
    expect(h.state()).toBe('closed');
    h.actor.send({ type: 'REMOTE.ISOLATE' });
    expect(h.state()).toBe('isolated');
    h.actor.send({ type: 'REMOTE.CLOSE' });
    expect(h.state()).toBe('closed');
    expect(h.context().reason).toBe('remote');
  });

  it('resetDelayMs stays finite for absurd trip counts and multipliers', () => {
    const base = { ...input, trialSuccesses: 0, reason: 'x', remoteDelayMs: undefined };
    expect(resetDelayMs({ ...base, trips: 10_000, resetBackoff: 10 })).toBe(60_000);
    expect(resetDelayMs({ ...base, trips: 1, resetBackoff: 1e308 })).toBe(10_000);
    // Never past what a timer honours (Node fires longer timeouts after 1 ms).
    expect(resetDelayMs({ ...base, trips: 5000, resetBackoff: 1e308, maxResetTimeoutMs: Number.MAX_VALUE })).toBe(
      MAX_TIMER_MS,
    );
    expect(resetDelayMs({ ...base, trips: 1, remoteDelayMs: 1e20 })).toBe(MAX_TIMER_MS);
    expect(resetDelayMs({ ...base, trips: 3, resetBackoff: 1 })).toBe(10_000);
  });
});
