/**
 * Model-based test of machines/supervisor.machine.ts against the real runtime: a Stator made by
 * `createStator` on a TestClock, running three layers the driver settles: `a` (required), `b`
 * (required, depends on `a`) and `c` (optional), `one_for_one`, one restart allowed per period.
 *
 * How each model event is caused (the model only offers a resource's report where that resource,
 * as the supervisor knows it, can really send it):
 * - `START` / `STOP`: `stator.start()` / `stator.stop()`.
 * - `RESOURCE.READY`: the resource's pending start resolves, or its `health$` says up again.
 * - `RESOURCE.DEGRADED` / `RESOURCE.RECOVERING`: its `health$` says degraded / down.
 * - `RESOURCE.RETRYING`: its first start attempt fails.
 * - `RESOURCE.FAILED`: its start attempts all fail, or, recovering, its health check fails.
 * - `RESOURCE.STOPPED`: its pending stop resolves.
 * - `RESTART.EXPIRED`: the clock moves to the end of the restart period.
 * - `RESTART.DUE`: the clock moves to the end of `c`'s crash-loop back-off (`on_exhausted: halt`
 *   escalates for the required `a` and `b`; the optional `c` is revived in the background).
 * - `STOP` while idle: `stator.start()` then at once `stator.stop()` (the runtime sends `START` only
 *   once its security configuration is ready, so the stop finds the supervisor idle).
 * Nothing is sent straight to the actor: the transitions src/ could never cause (a resource actor
 * crashing, a report after a restart was scheduled, `RESOURCE.STOPPED` while starting) were removed
 * from the machine, and the test fails if one is only reached by a direct send.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyActorRef, EventObject, Snapshot } from 'xstate';
import { supervisorMachine, type SupervisorContext, type SupervisorInput } from '../../machines/supervisor.machine.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { TestClock } from '../../src/kernel/clock.js';
import { createStator } from '../../src/runtime/create-stator.js';
import { planResources } from '../../src/runtime/resource-plan.js';
import { advanceToTimer, ControlledLayer } from './controlled-layer.js';
import type { ModelEvent } from './model-events.js';
import { formatCoverage, runModel, type Driver, type MachineModel, type ModelReport } from './model.js';
import type { MachineProbe } from './probe.js';

const NAMES = ['a', 'b', 'c'] as const;
type Name = (typeof NAMES)[number];
const RETRY = { retry_attempts: 1, retry_delay: 1, timeout: 0 };
const config = {
  monitoring: { health_interval: 3_600 },
  supervisor: {
    strategy: 'one_for_one' as const,
    max_restarts: 1,
    restart_period: 60,
    on_exhausted: 'halt' as const,
    stop_timeout: 0,
    resources: { a: RETRY, b: { ...RETRY, depends_on: ['a'] }, c: { ...RETRY, optional: true } },
  },
};
const statorConfig = loadConfig(config);
const input: SupervisorInput = {
  resources: planResources(statorConfig, [...NAMES]),
  strategy: 'one_for_one',
  maxRestarts: 1,
  restartPeriod: 60_000,
  onExhausted: 'halt',
};

const error = { name: 'Error', message: 'layer failed' };
const report = (type: string, name: Name): ModelEvent => {
  switch (type) {
    case 'RESOURCE.RETRYING':
      return { type, name, attempt: 1, error };
    case 'RESOURCE.READY':
      return { type, name, attempt: 1 };
    case 'RESOURCE.DEGRADED':
      return { type, name, reason: 'replica lag' };
    case 'RESOURCE.RECOVERING':
      return { type, name, error };
    case 'RESOURCE.FAILED':
      return { type, name, attempts: 2, error };
    default:
      return { type, name, outcome: 'clean' };
  }
};

/** The reports a resource in `state` can really send (`c`, optional, is kept to what its role needs). */
function reportsOf(name: Name, state: string, attempts: number): string[] {
  const out: string[] = [];
  if (state === 'initializing') {
    out.push('RESOURCE.READY', 'RESOURCE.FAILED');
    if (attempts === 0 && name !== 'c') out.push('RESOURCE.RETRYING');
  }
  if (name !== 'c' && (state === 'ready' || state === 'recovering')) out.push('RESOURCE.DEGRADED');
  if (state === 'ready' || (name !== 'c' && state === 'degraded')) out.push('RESOURCE.RECOVERING');
  if (name !== 'c' && (state === 'recovering' || state === 'degraded')) out.push('RESOURCE.READY');
  if (state === 'recovering') out.push('RESOURCE.FAILED');
  if (state === 'stopping') out.push('RESOURCE.STOPPED');
  return out;
}

const contextOf = (s: Snapshot<unknown>): SupervisorContext => (s as unknown as { context: SupervisorContext }).context;
const valueOf = (s: Snapshot<unknown>): unknown => (s as unknown as { value: unknown }).value;

/**
 * The supervisor as the paths are planned: a resource that is told to stop while still idle
 * answers at once (`idle → stopped`, RESOURCE.STOPPED `skipped`), in the same step, as the real
 * resource actor does; the pure machine alone would wait for a report that has already come.
 */
const planningMachine = Object.create(supervisorMachine, {
  transition: {
    value: (snapshot: Snapshot<unknown>, event: EventObject, scope: unknown) => {
      const step = (s: Snapshot<unknown>, e: EventObject): Snapshot<unknown> =>
        (supervisorMachine.transition as (s: unknown, e: unknown, scope: unknown) => Snapshot<unknown>)(s, e, scope);
      let before = contextOf(snapshot);
      let next = step(snapshot, event);
      for (let i = 0; i < NAMES.length; i++) {
        const after = contextOf(next);
        const name = NAMES.find(
          (n) => before.resources[n]?.state === 'idle' && after.resources[n]?.state === 'stopping',
        );
        if (!name) break;
        before = after;
        next = step(next, { type: 'RESOURCE.STOPPED', name, outcome: 'skipped' } as EventObject);
      }
      return next;
    },
  },
}) as typeof supervisorMachine;

const model: MachineModel = {
  machine: supervisorMachine,
  planningMachine,
  // Enough paths to take every transition (MODEL_FULL=1: one per reachable state and event, ~2,300, a minute).
  minimal: !process.env.MODEL_FULL,
  input,
  events: (snapshot) => {
    const context = contextOf(snapshot);
    const events: EventObject[] =
      valueOf(snapshot) === 'idle' ? [{ type: 'START' }, { type: 'STOP' }] : [{ type: 'STOP' }];
    for (const name of NAMES) {
      const r = context.resources[name];
      if (r) for (const type of reportsOf(name, r.state, r.attempts)) events.push(report(type, name));
    }
    const busy = Object.values(context.resources).some((r) => r.state === 'initializing' || r.state === 'recovering');
    if (context.recentRestarts > 0 && !busy) events.push({ type: 'RESTART.EXPIRED' });
    const value = valueOf(snapshot);
    if (typeof value === 'object' && value !== null && 'running' in value && !busy) {
      for (const name of NAMES)
        if (context.resources[name]?.backoffPending) events.push({ type: 'RESTART.DUE', name } as EventObject);
    }
    return events;
  },
  serialize: (s) => {
    const context = contextOf(s);
    return JSON.stringify([
      valueOf(s),
      context.recentRestarts,
      NAMES.map((n) => [
        context.resources[n]?.state,
        context.resources[n]?.restartPending,
        context.resources[n]?.backoffPending,
      ]),
    ]);
  },
  createDriver: (probe) => createDriver(probe),
};

function createDriver(probe: MachineProbe): Promise<Driver> {
  const clock = new TestClock(1_000_000);
  const layers = Object.fromEntries(NAMES.map((n) => [n, new ControlledLayer(n)])) as Record<Name, ControlledLayer>;
  // Every call waits for the driver: a resource's own timers (retry delays) may move it on, but
  // nothing it reports happens unless the model says so.
  for (const l of Object.values(layers)) l.mode = { start: 'manual', check: 'manual', stop: 'manual' };
  const stator = createStator({
    clock,
    config,
    logger: createLogger({ silent: true }),
    inspect: probe.inspect,
    layers: {
      cache: false,
      filesystem: false,
      database: false,
      ...Object.fromEntries(NAMES.map((n) => [n, () => layers[n]])),
    },
  });
  let started: Promise<unknown> | undefined;
  let stopping: Promise<unknown> | undefined;
  const settle = (): Promise<void> => clock.advance(0);
  const supervisor = (): AnyActorRef => {
    const ref = probe.ref();
    if (!ref) throw new Error('supervisor driver: no supervisor actor yet');
    return ref;
  };
  /** The real resource actor's state value, as a path (`initializing.attempting`). */
  const childState = (name: Name): string => {
    const child = (supervisor().getSnapshot() as { children: Record<string, AnyActorRef> }).children[
      `resource.${name}`
    ];
    const path = (v: unknown): string =>
      typeof v === 'string' ? v : (Object.entries(v as object).map(([k, sub]) => `${k}.${path(sub)}`)[0] ?? '');
    return path((child?.getSnapshot() as { value?: unknown } | undefined)?.value);
  };
  const child = (name: Name): AnyActorRef =>
    (supervisor().getSnapshot() as { children: Record<string, AnyActorRef> }).children[
      `resource.${name}`
    ] as AnyActorRef;

  const failStart = async (name: Name): Promise<void> => {
    if (childState(name) === 'initializing.waiting')
      await advanceToTimer(clock, child(name), 'xstate.after.retryDelay.resource.initializing.waiting');
    layers[name].settle('start', { error: new Error(`${name} start failed`) });
    await settle();
  };

  const cause = async (event: ModelEvent): Promise<void> => {
    const name = event.name as Name;
    const layer = layers[name];
    const state = childState(name);
    switch (event.type) {
      case 'RESOURCE.RETRYING':
        return failStart(name);
      case 'RESOURCE.READY':
        if (state.startsWith('initializing')) {
          if (state === 'initializing.waiting')
            await advanceToTimer(clock, child(name), 'xstate.after.retryDelay.resource.initializing.waiting');
          layer.settle('start', {});
        } else layer.health.next({ status: 'up' });
        return settle();
      case 'RESOURCE.DEGRADED':
        layer.health.next({ status: 'degraded', reason: 'replica lag' });
        return settle();
      case 'RESOURCE.RECOVERING':
        layer.health.next({ status: 'down', error: new Error(`${name} lost its server`) });
        return settle();
      case 'RESOURCE.FAILED':
        if (state.startsWith('initializing')) {
          // Every attempt fails (the first one reports RETRYING on the way).
          while (childState(name).startsWith('initializing')) await failStart(name);
          return;
        }
        // Recovering: its one re-check fails.
        if (state === 'running.recovering.waiting')
          await advanceToTimer(clock, child(name), 'xstate.after.retryDelay.resource.running.recovering.waiting');
        layer.settle('check', { error: new Error(`${name} check failed`) });
        return settle();
      case 'RESOURCE.STOPPED':
        layer.settle('stop', {});
        return settle();
      default:
        throw new Error(`supervisor driver: no stimulus for ${event.type}`);
    }
  };

  return Promise.resolve({
    async apply(event: EventObject) {
      if (event.type === 'START') {
        started = stator.start().catch(() => undefined);
      } else if (event.type === 'STOP' && !started) {
        // stop() right after start(), before the runtime sends START (it waits for its security
        // configuration): the supervisor is still idle.
        started = stator.start().catch(() => undefined);
        stopping = stator.stop();
      } else if (event.type === 'STOP') {
        stopping = stator.stop();
      } else if (event.type === 'RESTART.EXPIRED') {
        await advanceToTimer(clock, supervisor(), 'RESTART.EXPIRED');
      } else if (event.type === 'RESTART.DUE') {
        await advanceToTimer(clock, supervisor(), 'RESTART.DUE');
      } else {
        await cause(event as ModelEvent);
      }
      await settle();
    },
    async dispose() {
      stopping ??= started ? stator.stop() : Promise.resolve();
      for (let i = 0; i < 20; i++) {
        for (const l of Object.values(layers)) {
          l.mode = { start: 'ok', check: 'ok', stop: 'ok' };
          for (const kind of ['start', 'check', 'stop'] as const)
            if (l.pending[kind]) l.settle(kind, { value: { status: 'up' } });
        }
        await clock.advance(1_000);
      }
      await stopping;
      await started;
    },
  });
}

let result: ModelReport | undefined;
afterAll(() => {
  if (result) console.log(formatCoverage(result));
});

describe('supervisor machine, model-based, against createStator with layers the test settles', () => {
  it('takes every transition of the model in the real implementation', async () => {
    result = await runModel(model);
    expect(result.failures).toEqual([]);
    expect(result.direct).toEqual([]);
    expect(result.uncovered).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
