/**
 * Model-based test of machines/alert.machine.ts against the real alert manager
 * (src/status/alerts) fed by the real metrics collector (src/status/metrics), on a TestClock.
 *
 * How each model event is caused:
 * - `SAMPLE { value }`: the busiest pool's utilization is set to `value` (busy / max of a pool the
 *   collector reads) and the clock moves one `metrics_interval`: the collector publishes a
 *   snapshot, the `pool_utilization` rule reads it, the manager sends SAMPLE.
 * - `xstate.after.holdDuration` / `xstate.after.clearHoldDuration` / `xstate.after.silenceDuration`:
 *   the clock moves on, interval by interval (the collector keeps sampling the same value, as it
 *   would), until the hold or the silence ends.
 * - `ACKNOWLEDGE`, `CLEAR`, `SILENCE { durationMs }`, `UNSILENCE`: the manager's `acknowledge`,
 *   `clear`, `silence` and `unsilence`, as `stator.alerts` calls them.
 *
 * The two regions run on one clock, which the pure model does not: a delay is tried only where
 * moving the clock cannot fire the other region's delay first (no hold while silenced; a silence
 * expires only where resampling the last value changes nothing).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { alertMachine } from '../../machines/alert.machine.js';
import { createAlertManager } from '../../src/status/alerts/create-alert-manager.js';
import { MetricsCollector } from '../../src/status/metrics/metrics-collector.js';
import { modelContext } from './model-context.js';
import { machineEvents } from './model-events.js';
import { formatCoverage, runModel, type Driver, type MachineModel, type ModelReport } from './model.js';

const MAX = 20;
const INTERVAL_MS = 1_000;
const HOLD_MS = 30_000;
const monitoring = {
  metrics_interval: INTERVAL_MS / 1000,
  alert_hold: HOLD_MS / 1000,
  alert_threshold: 0.9,
  alert_hysteresis: 0.1,
};
/** Above the threshold (0.9), between it and the clear threshold (0.81), and clear. */
const VALUES = [1, 0.85, 0.5];
/** Longer than any run of SAMPLE steps in a path (each moves the clock one interval), shorter than the driver's wait. */
const SILENCE_MS = 20_000;

type AlertSnapshot = { value: { condition: unknown; silence: unknown }; context: { value: number | null } };

/** Whether resampling the last value leaves the condition where it is (no delay of its own running). */
const conditionIsStill = (s: AlertSnapshot): boolean => {
  const c = s.value.condition;
  if (c === 'ok' || c === 'resolved') return s.context.value === null || s.context.value <= 0.9;
  return typeof c === 'object' && c !== null && Object.values(c).includes('active');
};

const model: MachineModel = {
  machine: alertMachine,
  input: {
    rule: 'pool_utilization',
    threshold: 0.9,
    clearThreshold: 0.9 * 0.9,
    direction: 'above',
    holdMs: HOLD_MS,
    clearHoldMs: HOLD_MS,
  },
  minimal: true,
  events: (snapshot) => {
    const s = snapshot as unknown as AlertSnapshot;
    return machineEvents(alertMachine, {
      SAMPLE: VALUES.map((value) => ({ type: 'SAMPLE', value })),
      SILENCE: [{ type: 'SILENCE', durationMs: SILENCE_MS }],
    }).filter((e) => {
      if (/HoldDuration|holdDuration/.test(e.type)) return s.value.silence === 'audible';
      if (e.type.includes('silenceDuration')) return conditionIsStill(s);
      return true;
    });
  },
  pick: (_ref, snapshot) => (snapshot as { context?: { rule?: string } }).context?.rule === 'pool_utilization',
  createDriver: async (probe): Promise<Driver> => {
    const { ctx, clock } = modelContext({ monitoring }, probe);
    const pool = { total: MAX, idle: MAX, busy: 0, pending: 0, max: MAX };
    const collector = new MetricsCollector({
      registry: ctx.metrics,
      clock,
      intervalMs: INTERVAL_MS,
      sources: () => [{ name: 'database', details: () => ({ pool: { ...pool } }) }],
    });
    const manager = createAlertManager(ctx);
    manager.watch(collector.metrics$);
    collector.start();
    const state = (): string => JSON.stringify((probe.snapshot() as { value?: unknown } | undefined)?.value);
    return {
      async apply(event: EventObject) {
        if (event.type === 'SAMPLE') {
          pool.busy = Math.round((event as unknown as { value: number }).value * MAX);
          pool.idle = MAX - pool.busy;
          await clock.advance(INTERVAL_MS);
          return;
        }
        if (event.type === 'ACKNOWLEDGE') return void manager.acknowledge('pool_utilization');
        if (event.type === 'CLEAR') return void manager.clear('pool_utilization');
        if (event.type === 'SILENCE') return void manager.silence('pool_utilization', SILENCE_MS / 1000);
        if (event.type === 'UNSILENCE') return void manager.unsilence('pool_utilization');
        if (event.type.startsWith('xstate.after.')) {
          const before = state();
          for (let waited = 0; state() === before && waited <= HOLD_MS + INTERVAL_MS; waited += INTERVAL_MS)
            await clock.advance(INTERVAL_MS);
          return;
        }
        throw new Error(`alert driver: no stimulus for ${event.type}`);
      },
      async dispose() {
        collector.stop();
        await manager.stop();
      },
    };
  },
};

let result: ModelReport | undefined;
afterAll(() => {
  if (result) console.log(formatCoverage(result));
});

describe('alert machine, model-based, against the alert manager and metrics collector', () => {
  it('takes every transition of the model in the real implementation', async () => {
    result = await runModel(model);
    expect(result.failures).toEqual([]);
    expect(result.direct).toEqual([]);
    expect(result.uncovered).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
