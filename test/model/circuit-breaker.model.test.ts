/**
 * Model-based test of machines/circuit-breaker.machine.ts against the real breaker
 * (src/resilience/breaker/circuit-breaker.ts: the sliding window in front of the machine), on a
 * TestClock. Two models, one per way of half-opening: with a probe (`useProbe`) and with trial
 * calls; their coverage is merged.
 *
 * How each model event is caused:
 * - `TRIP`: calls fail (ECONNREFUSED, classified by the real error detector) until the window's
 *   failure ratio reaches the threshold over `minimum_calls`.
 * - `TRIAL.SUCCESS` / `TRIAL.FAILURE`: a half-open trial call is let through and succeeds / fails.
 * - `ISOLATE` / `RESET`: `breaker.isolate()` / `breaker.reset()`.
 * - `REMOTE.OPEN` / `REMOTE.CLOSE` / `REMOTE.ISOLATE`: `breaker.applyRemote(...)`, what the shared
 *   breaker state (Redis pub/sub) calls when another process changes state. Where the breaker
 *   already is in that state it sends nothing, as the model allows (the state is unchanged).
 * - `xstate.after.resetTimeout` / `xstate.after.trialTimeout`: the clock moves to the breaker's
 *   `nextAttemptAt` / by the trial timeout.
 * - the probe's `xstate.done.actor.*` / `xstate.error.actor.*`: the probe the breaker runs in
 *   halfOpen (the pipeline's PING or SELECT 1 in production; here a promise the driver settles)
 *   resolves / rejects.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { circuitBreakerMachine } from '../../machines/circuit-breaker.machine.js';
import { CircuitBreaker } from '../../src/resilience/breaker/circuit-breaker.js';
import { breakerSettingsFrom } from '../../src/resilience/breaker/breaker-settings.js';
import { classifyError } from '../../src/resilience/detector/classify-error.js';
import { modelContext } from './model-context.js';
import { machineEvents } from './model-events.js';
import { formatCoverage, mergeReports, runModel, type Driver, type MachineModel, type ModelReport } from './model.js';

const config = {
  threshold: 0.5,
  minimum_calls: 2,
  window: 60,
  reset_timeout: 5,
  trial_timeout: 2,
  half_open_calls: 2,
  shared: false,
};
const refused = classifyError(
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
);

function breakerModel(useProbe: boolean): MachineModel {
  return {
    machine: circuitBreakerMachine,
    input: {
      name: 'model',
      resetTimeoutMs: config.reset_timeout * 1000,
      resetBackoff: 1,
      maxResetTimeoutMs: 3_600_000,
      trialTimeoutMs: config.trial_timeout * 1000,
      halfOpenCalls: config.half_open_calls,
      useProbe,
    },
    events: () =>
      machineEvents(circuitBreakerMachine, {
        TRIP: [{ type: 'TRIP', reason: 'failure-ratio' }],
        'REMOTE.OPEN': [{ type: 'REMOTE.OPEN', delayMs: 3_000, trips: 1 }],
        'xstate.error.actor.0.circuitBreaker.halfOpen.probing': [
          { type: 'xstate.error.actor.0.circuitBreaker.halfOpen.probing', error: new Error('PING failed') },
        ],
      }),
    // trips grows without bound; what decides the next step is the state and the trial count.
    serialize: (s) => {
      const snap = s as unknown as { value: unknown; context: { trialSuccesses: number } };
      return JSON.stringify([snap.value, snap.context.trialSuccesses]);
    },
    createDriver: async (probe): Promise<Driver> => {
      const { ctx, clock } = modelContext(
        { error_handling: { circuit_breaker: { ...config, probe: useProbe } } },
        probe,
      );
      const breaker = new CircuitBreaker(
        ctx,
        'model',
        breakerSettingsFrom(ctx.config.error_handling.circuit_breaker),
        () => undefined,
      );
      let pendingProbe: { resolve: () => void; reject: (e: Error) => void } | undefined;
      if (useProbe) {
        breaker.setProbe(() => new Promise<void>((resolve, reject) => (pendingProbe = { resolve, reject })));
      }
      const settleProbe = async (ok: boolean): Promise<void> => {
        const p = pendingProbe;
        if (!p) throw new Error('breaker driver: no probe is running');
        pendingProbe = undefined;
        if (ok) p.resolve();
        else p.reject(new Error('PING failed'));
        await clock.advance(0);
      };
      return {
        async apply(event: EventObject) {
          const now = clock.now();
          switch (event.type) {
            case 'TRIP':
              for (let i = 0; i < config.minimum_calls && breaker.state === 'closed'; i++)
                breaker.failed(breaker.allow(), now, refused);
              return;
            case 'TRIAL.SUCCESS':
              breaker.succeeded(breaker.allow(), now);
              return;
            case 'TRIAL.FAILURE':
              breaker.failed(breaker.allow(), now, refused);
              return;
            case 'ISOLATE':
              breaker.isolate();
              return;
            case 'RESET':
              breaker.reset();
              return;
            case 'REMOTE.OPEN':
              breaker.applyRemote('open', 3_000, 1);
              return;
            case 'REMOTE.CLOSE':
              breaker.applyRemote('closed');
              return;
            case 'REMOTE.ISOLATE':
              breaker.applyRemote('isolated');
              return;
            case 'xstate.after.resetTimeout.circuitBreaker.open':
              await clock.advance(Math.max(0, (breaker.nextAttemptAt ?? now) - now));
              return;
            case 'xstate.after.trialTimeout.circuitBreaker.halfOpen':
              await clock.advance(config.trial_timeout * 1000);
              return;
            case 'xstate.done.actor.0.circuitBreaker.halfOpen.probing':
              await settleProbe(true);
              return;
            case 'xstate.error.actor.0.circuitBreaker.halfOpen.probing':
              await settleProbe(false);
              return;
            default:
              throw new Error(`breaker driver: no stimulus for ${event.type}`);
          }
        },
        async dispose() {
          breaker.stop();
        },
      };
    },
  };
}

let result: ModelReport | undefined;
afterAll(() => {
  if (result) console.log(formatCoverage(result));
});

describe('circuit breaker machine, model-based, against the real breaker', () => {
  it('takes every transition of the model in the real implementation (probe and trial variants)', async () => {
    result = mergeReports(circuitBreakerMachine, [
      await runModel(breakerModel(true)),
      await runModel(breakerModel(false)),
    ]);
    expect(result.failures).toEqual([]);
    expect(result.direct).toEqual([]);
    expect(result.uncovered).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
