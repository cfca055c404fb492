/**
 * Model-based test of machines/resource.machine.ts against the real runtime: a Stator made by
 * `createStator` (its supervisor, its resource actors from src/runtime/resource-actors.ts) on a
 * TestClock, running two layers of the test's own: `base`, and `model` (the resource under test,
 * optional, depending on `base`), whose every start, check and stop the driver settles.
 *
 * How each model event is caused:
 * - `START`: from idle, `base` finishes starting and the supervisor starts `model`; from stopped
 *   (a restart), `base` finishes its restart and the supervisor starts `model` again.
 * - `STOP`: `stator.stop()`; in the restart model, `base` fails while running and the supervisor
 *   (`rest_for_one`) stops `model` first to restart both.
 * - `xstate.done/error.actor.*`: the layer's pending `start` / `check` / `stop` resolves (a check
 *   with up, degraded or down) or rejects.
 * - `LAYER.HEALTH`: the layer's `health$` emits.
 * - `xstate.after.*`: the clock moves to that delay's due time.
 * - `xstate.error.actor.0.resource.running` (the health watcher failed): in a third model, the
 *   layer's `health$` cannot be subscribed to (its getter throws), so src/runtime's watcher fails
 *   as the resource enters `running`; the error arrives in that same step, and its own step only
 *   checks where the resource is.
 * Nothing is sent straight to the actor (the test fails if a transition is only reached that way).
 *
 * Two models: one with `max_restarts: 0` (a failed `model` stays failed, `stator.stop()` stops
 * it), and one with restarts, for `stopped → START` (its events are those of a restart only).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyActorRef, EventObject } from 'xstate';
import { resourceMachine } from '../../machines/resource.machine.js';
import { createLogger } from '../../src/logging/logger.js';
import { TestClock } from '../../src/kernel/clock.js';
import { createStator } from '../../src/runtime/create-stator.js';
import type { LayerHealth } from '../../src/kernel/layer.js';
import { advanceToTimer, ControlledLayer } from './controlled-layer.js';
import { machineEvents, type ModelEvent } from './model-events.js';
import { formatCoverage, mergeReports, runModel, type Driver, type MachineModel, type ModelReport } from './model.js';
import type { MachineProbe } from './probe.js';

const INPUT = {
  name: 'model',
  retryAttempts: 2,
  retryDelay: 1_000,
  timeout: 2_000,
  healthInterval: 5_000,
  stopTimeout: 3_000,
};
const HEALTH: Record<string, { model: ModelEvent['health']; layer: LayerHealth }> = {
  up: { model: { status: 'up' }, layer: { status: 'up' } },
  degraded: {
    model: { status: 'degraded', reason: 'replica lag' },
    layer: { status: 'degraded', reason: 'replica lag' },
  },
  down: {
    model: { status: 'down', error: { name: 'Error', message: 'ECONNRESET' } },
    layer: { status: 'down', error: new Error('ECONNRESET') },
  },
};
const CHECKS = ['ready', 'degraded', 'recovering'].map((s) => `xstate.done.actor.0.resource.running.${s}.checking`);
const ERRORS = [
  'xstate.error.actor.0.resource.initializing.attempting',
  'xstate.error.actor.0.resource.running.ready.checking',
  'xstate.error.actor.0.resource.running.degraded.checking',
  'xstate.error.actor.0.resource.running.recovering.checking',
  'xstate.error.actor.0.resource.stopping',
  'xstate.error.actor.0.resource.running',
];

const events = machineEvents(resourceMachine, {
  START: [{ type: 'START', dependencies: ['base'] }],
  'LAYER.HEALTH': Object.values(HEALTH).map((h) => ({ type: 'LAYER.HEALTH', health: h.model })),
  ...Object.fromEntries(CHECKS.map((type) => [type, Object.values(HEALTH).map((h) => ({ type, output: h.model }))])),
  ...Object.fromEntries(ERRORS.map((type) => [type, [{ type, error: new Error('layer failed') }]])),
});

/** The restart model's events, by the state they are caused in: a resource started, running, restarted. */
const RESTART_EVENTS = (value: unknown): string[] => {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  switch (top) {
    case 'idle':
    case 'stopped':
      return ['START'];
    case 'initializing':
      return ['xstate.done.actor.0.resource.initializing.attempting'];
    case 'running':
      return ['STOP'];
    case 'stopping':
      return ['xstate.done.actor.0.resource.stopping'];
    default:
      return [];
  }
};

/** The three models: without restarts, with restarts, with a `health$` that cannot be watched. */
type Variant = 'plain' | 'restarts' | 'brokenWatch';

/** The broken-watch model's events, by state: start, finish starting (the watcher fails), then its error. */
const BROKEN_WATCH_EVENTS = (value: unknown): string[] => {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  if (top === 'idle') return ['START'];
  if (top === 'initializing') return ['xstate.done.actor.0.resource.initializing.attempting'];
  if (top === 'running') return ['xstate.error.actor.0.resource.running'];
  return [];
};

function createDriver(variant: Variant, probe: MachineProbe): Promise<Driver> {
  const restarts = variant === 'restarts';
  const clock = new TestClock(1_000_000);
  const base = new ControlledLayer('base');
  const layer = new ControlledLayer('model');
  if (variant === 'brokenWatch')
    Object.defineProperty(layer, 'health$', {
      get: () => {
        throw new Error('health$ is not available');
      },
    });
  base.mode = { start: 'manual', check: 'ok', stop: 'ok' };
  const stator = createStator({
    clock,
    logger: createLogger({ silent: true }),
    inspect: probe.inspect,
    layers: { cache: false, filesystem: false, database: false, base: () => base, model: () => layer },
    config: {
      monitoring: { health_interval: INPUT.healthInterval / 1000 },
      supervisor: {
        strategy: 'rest_for_one',
        max_restarts: restarts ? 10 : 0,
        restart_period: 3_600,
        stop_timeout: INPUT.stopTimeout / 1000,
        resources: {
          base: { retry_attempts: 0, retry_delay: 0.001, timeout: 60 },
          model: {
            depends_on: ['base'],
            optional: true,
            retry_attempts: INPUT.retryAttempts,
            retry_delay: INPUT.retryDelay / 1000,
            timeout: INPUT.timeout / 1000,
          },
        },
      },
    },
  });
  const starting = stator.start().catch(() => undefined);
  let stopping: Promise<unknown> | undefined;
  const actor = (): AnyActorRef => {
    const ref = probe.ref();
    if (!ref) throw new Error('resource driver: the model resource has no actor yet');
    return ref;
  };
  const value = (): string => JSON.stringify((probe.snapshot() as { value?: unknown } | undefined)?.value);
  const settle = (): Promise<void> => clock.advance(0);

  const failBase = async (): Promise<void> => {
    base.mode = { start: 'ok', check: 'reject', stop: 'manual' };
    base.health.next({ status: 'down', error: new Error('base lost its server') });
    await settle();
    await clock.advance(1); // base's retry_delay: its one recovery check fails, it is failed
  };

  return settle().then(() => ({
    async apply(event: EventObject) {
      const e = event as ModelEvent;
      const type = event.type;
      if (type === 'START') {
        if (value() === '"idle"') base.settle('start', {});
        else {
          base.mode = { start: 'ok', check: 'ok', stop: 'ok' };
          base.settle('stop', {});
        }
      } else if (type === 'STOP') {
        if (restarts) await failBase();
        else stopping = stator.stop();
      } else if (type === 'LAYER.HEALTH') {
        layer.health.next(HEALTH[(e.health as { status: string }).status]?.layer as LayerHealth);
      } else if (type === 'xstate.error.actor.0.resource.running') {
        // Already failed as the resource entered running (the layer's health$ cannot be watched).
        if (variant !== 'brokenWatch') throw new Error('resource driver: the health watcher fails only in brokenWatch');
      } else if (type.startsWith('xstate.after.')) {
        await advanceToTimer(clock, actor(), type);
      } else if (type.startsWith('xstate.done.actor.') || type.startsWith('xstate.error.actor.')) {
        const kind = type.endsWith('.stopping') ? 'stop' : type.endsWith('.attempting') ? 'start' : 'check';
        const output = e.output as { status: string } | undefined;
        if (type.startsWith('xstate.error.')) layer.settle(kind, { error: new Error('layer failed') });
        else layer.settle(kind, { value: output ? HEALTH[output.status]?.layer : undefined });
      } else {
        throw new Error(`resource driver: no stimulus for ${type}`);
      }
      await settle();
    },
    async dispose() {
      for (const l of [base, layer]) {
        l.mode = { start: 'ok', check: 'ok', stop: 'ok' };
        for (const kind of ['start', 'check', 'stop'] as const)
          if (l.pending[kind]) l.settle(kind, { value: { status: 'up' } });
      }
      stopping ??= stator.stop();
      for (let i = 0; i < 20; i++) {
        for (const l of [base, layer])
          for (const kind of ['start', 'check', 'stop'] as const)
            if (l.pending[kind]) l.settle(kind, { value: { status: 'up' } });
        await clock.advance(1_000);
      }
      await stopping;
      await starting;
    },
  }));
}

/** The resource machine with its reports to the parent made inert, to plan paths on it alone. */
const planningMachine = resourceMachine.provide({
  actions: Object.fromEntries(
    ['reportRetrying', 'reportReady', 'reportDegraded', 'reportRecovering', 'reportFailed', 'reportStopped'].map(
      (name) => [name, () => undefined],
    ),
  ),
});

function resourceModel(variant: Variant): MachineModel {
  return {
    machine: resourceMachine,
    planningMachine,
    // Enough paths to take every transition (MODEL_FULL=1: one per reachable state and event).
    minimal: !process.env.MODEL_FULL,
    input: INPUT,
    events: (snapshot) => {
      const value = (snapshot as { value?: unknown }).value;
      if (variant === 'restarts') return events.filter((e) => RESTART_EVENTS(value).includes(e.type));
      if (variant === 'brokenWatch') return events.filter((e) => BROKEN_WATCH_EVENTS(value).includes(e.type));
      // Without restarts, a stopped resource stays stopped; its health$ is watched without fail.
      return events.filter(
        (e) => e.type !== 'xstate.error.actor.0.resource.running' && (value !== 'stopped' || e.type !== 'START'),
      );
    },
    serialize: (s) => {
      const snap = s as unknown as { value: unknown; context: { attempt: number; recoveryChecks: number } };
      return JSON.stringify([snap.value, snap.context.attempt, snap.context.recoveryChecks]);
    },
    pick: (ref) => ref.id === 'resource.model',
    createDriver: (probe) => createDriver(variant, probe),
  };
}

let result: ModelReport | undefined;
afterAll(() => {
  if (result) console.log(formatCoverage(result));
});

describe('resource machine, model-based, against createStator with layers the test settles', () => {
  it('takes every transition of the model in the real implementation', async () => {
    result = mergeReports(resourceMachine, [
      await runModel(resourceModel('plain')),
      await runModel(resourceModel('restarts')),
      await runModel(resourceModel('brokenWatch')),
    ]);
    expect(result.failures).toEqual([]);
    expect(result.direct).toEqual([]);
    expect(result.uncovered).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
