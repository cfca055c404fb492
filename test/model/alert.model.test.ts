/**
 * Model-based test of machines/alert.machine.ts against the real alert manager
 * (src/status/alerts) fed by the real metrics collector (src/status/metrics), on a TestClock.
 *
 * How each model event is caused:
 * - `SAMPLE { value }`: the busiest pool's utilization is set to `value` (busy / max of a pool the
 *   collector reads) and the clock moves one `metrics_interval`: the collector publishes a
 *   snapshot, the `pool_utilization` rule reads it, the manager sends SAMPLE.
 * - `xstate.after.holdDuration` / `xstate.after.clearHoldDuration`: the clock moves on, interval
 *   by interval (the collector keeps sampling the same value, as it would), until the hold ends.
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
const monitoring = { metrics_interval: INTERVAL_MS / 1000, alert_hold: HOLD_MS / 1000, alert_threshold: 0.9, alert_hysteresis: 0.1 };
/** Above the threshold (0.9), between it and the clear threshold (0.81), and clear. */
const VALUES = [1, 0.85, 0.5];

const model: MachineModel = {
  machine: alertMachine,
  input: { rule: 'pool_utilization', threshold: 0.9, clearThreshold: 0.9 * 0.9, direction: 'above', holdMs: HOLD_MS, clearHoldMs: HOLD_MS },
  events: () => machineEvents(alertMachine, { SAMPLE: VALUES.map((value) => ({ type: 'SAMPLE', value })) }),
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
        if (event.type.startsWith('xstate.after.')) {
          const before = state();
          for (let waited = 0; state() === before && waited <= HOLD_MS + INTERVAL_MS; waited += INTERVAL_MS) await clock.advance(INTERVAL_MS);
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
    expect(result.uncovered).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
