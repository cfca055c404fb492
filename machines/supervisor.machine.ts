import { and, assign, enqueueActions, not, raise, setup } from 'xstate';
import { resourceMachine } from './resource.machine.js';
import {
  crashLoopBackoffMs,
  haltingOnFailure,
  initialResource,
  list,
  nameOf,
  patch,
  report,
  resourceActorId,
  resourceInput,
  startable,
  stoppableForRestart,
  stoppableInReverseOrder,
  UP,
  withDependents,
} from './supervisor-plan.js';
import type { SupervisorContext, SupervisorEvent, SupervisorInput } from './supervisor-types.js';

export type {
  RestartStrategy,
  SupervisedResource,
  SupervisedResourceInput,
  SupervisedState,
  SupervisorContext,
  SupervisorEvent,
  SupervisorFailure,
  SupervisorInput,
} from './supervisor-types.js';
export { crashLoopBackoffMs, resourceActorId } from './supervisor-plan.js';

/**
 * The supervisor of a Stator instance: `idle → starting → running (healthy | degraded) →
 * stopping → stopped`, or `failed`.
 *
 * - `starting` spawns one resource actor per resource and sends `START` to each as soon as
 *   every resource it depends on is up (an optional dependency that failed does not block), so
 *   independent resources start in parallel and the order follows `dependsOn`. When every
 *   resource has settled it is `running` if each required one is up; if a required one failed,
 *   nothing more is started, the ones in flight settle, and the supervisor is `failed`.
 * - `running.healthy` when every resource is ready, `running.degraded` otherwise.
 * - A resource that fails while running is restarted per `strategy`: `one_for_one` restarts it
 *   alone; `rest_for_one` stops it and every resource that depends on it (dependents first),
 *   then starts them again in dependency order. More than `maxRestarts` within `restartPeriod`
 *   escalates to `failed` when the resource is required; an optional one is left failed.
 * - `stopping` and `failed` stop every resource in reverse dependency order (a resource once
 *   all its dependents stopped), each within its own stop time limit.
 *
 * Pure: the resource actors' implementations come from `src/runtime` through `.provide()`.
 */
export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actors: { resource: resourceMachine },
  delays: {
    restartPeriod: ({ context }) => context.restartPeriod,
    crashLoopBackoff: ({ context, event }) => context.resources[nameOf(event)]?.backoffMs ?? context.initialBackoff,
  },
  guards: {
    everyResourceUp: ({ context }) =>
      list(context).every((r) => UP.includes(r.state) || (r.optional && r.state === 'failed')),
    requiredResourceFailed: ({ context }) => haltingOnFailure(context),
    noResourceInFlight: ({ context }) =>
      list(context).every((r) => r.state !== 'initializing' && r.state !== 'stopping'),
    someResourceImpaired: ({ context }) => list(context).some((r) => r.state !== 'ready'),
    everyResourceStopped: ({ context }) => list(context).every((r) => r.state === 'stopped'),
    restartLimitReached: ({ context }) => context.recentRestarts >= context.maxRestarts,
    failedResourceIsOptional: ({ context, event }) => context.resources[nameOf(event)]?.optional === true,
    haltsWhenExhausted: ({ context }) => context.onExhausted === 'halt',
  },
  actions: {
    spawnResources: enqueueActions(({ context, enqueue }) => {
      for (const name of context.order) {
        const input = context.inputs[name];
        if (input) enqueue.spawnChild('resource', { id: resourceActorId(name), input: resourceInput(input) });
      }
    }),
    startUnblockedResources: enqueueActions(({ context, enqueue }) => {
      const starts = startable(context);
      if (!starts.length) return;
      enqueue.assign({
        resources: patch(
          context,
          starts.map((s) => s.name),
          () => ({ state: 'initializing', attempts: 0 }),
        ),
      });
      for (const s of starts) enqueue.sendTo(resourceActorId(s.name), { type: 'START', dependencies: s.dependencies });
    }),
    stopForRestart: enqueueActions(({ context, enqueue }) => {
      const stops = stoppableForRestart(context);
      if (!stops.length) return;
      enqueue.assign({ resources: patch(context, stops, () => ({ state: 'stopping' })) });
      for (const name of stops) enqueue.sendTo(resourceActorId(name), { type: 'STOP' });
    }),
    stopInReverseOrder: enqueueActions(({ context, enqueue }) => {
      const stops = stoppableInReverseOrder(context);
      if (!stops.length) return;
      enqueue.assign({ resources: patch(context, stops, () => ({ state: 'stopping' })) });
      for (const name of stops) enqueue.sendTo(resourceActorId(name), { type: 'STOP' });
    }),
    recordRetrying: assign({
      resources: ({ context, event }) =>
        event.type === 'RESOURCE.RETRYING'
          ? patch(context, [event.name], () => ({ attempts: event.attempt, lastError: event.error }))
          : context.resources,
    }),
    recordReady: assign({
      resources: ({ context, event }) =>
        event.type === 'RESOURCE.READY'
          ? patch(context, [event.name], (r) => ({ state: report(r, 'ready'), attempts: event.attempt || r.attempts }))
          : context.resources,
    }),
    recordDegraded: assign({
      resources: ({ context, event }) =>
        event.type === 'RESOURCE.DEGRADED'
          ? patch(context, [event.name], (r) => ({ state: report(r, 'degraded'), degradedReason: event.reason }))
          : context.resources,
    }),
    recordRecovering: assign({
      resources: ({ context, event }) =>
        event.type === 'RESOURCE.RECOVERING'
          ? patch(context, [event.name], (r) => ({
              state: report(r, 'recovering'),
              ...(event.error ? { lastError: event.error } : {}),
            }))
          : context.resources,
    }),
    recordFailed: assign({
      resources: ({ context, event }) =>
        event.type === 'RESOURCE.FAILED'
          ? patch(context, [event.name], (r) => ({
              state: report(r, 'failed'),
              attempts: event.attempts || r.attempts,
              ...(event.error ? { lastError: event.error } : {}),
            }))
          : context.resources,
    }),
    recordStopped: assign({
      resources: ({ context, event }) =>
        event.type === 'RESOURCE.STOPPED'
          ? patch(context, [event.name], () => ({
              state: 'stopped',
              stopOutcome: event.outcome,
              restartPending: false,
              ...(event.error ? { lastError: event.error } : {}),
            }))
          : context.resources,
    }),
    scheduleRestart: assign({
      resources: ({ context, event }) => {
        const name = nameOf(event);
        const targets = context.strategy === 'rest_for_one' ? withDependents(context, name) : new Set([name]);
        return patch(context, targets, (r) => ({
          restartPending: true,
          restarts: r.name === name ? r.restarts + 1 : r.restarts,
        }));
      },
      recentRestarts: ({ context }) => context.recentRestarts + 1,
    }),
    expireRestartLater: raise({ type: 'RESTART.EXPIRED' }, { delay: 'restartPeriod' }),
    scheduleBackoffRestart: enqueueActions(({ context, event, enqueue }) => {
      const name = nameOf(event);
      const r = context.resources[name];
      if (!r || r.backoffPending) return;
      const backoffs = r.backoffs + 1;
      enqueue.assign({
        resources: patch(context, [name], () => ({
          backoffPending: true,
          backoffs,
          backoffMs: crashLoopBackoffMs(context, backoffs),
        })),
      });
      enqueue.raise({ type: 'RESTART.DUE', name }, { delay: 'crashLoopBackoff', id: `backoff.${name}` });
    }),
    reviveFailedOptional: enqueueActions(({ context, enqueue }) => {
      const failed = list(context).filter(
        (r) => r.optional && r.state === 'failed' && !r.restartPending && !r.backoffPending,
      );
      if (!failed.length) return;
      let resources = context.resources;
      for (const r of failed) {
        const backoffs = r.backoffs + 1;
        resources = {
          ...resources,
          [r.name]: { ...r, backoffPending: true, backoffs, backoffMs: crashLoopBackoffMs(context, backoffs) },
        };
      }
      enqueue.assign({ resources });
      for (const r of failed)
        enqueue.raise({ type: 'RESTART.DUE', name: r.name }, { delay: 'crashLoopBackoff', id: `backoff.${r.name}` });
    }),
    restartAfterBackoff: assign({
      resources: ({ context, event }) => {
        const name = nameOf(event);
        if (!context.resources[name]?.backoffPending) return context.resources;
        const targets = context.strategy === 'rest_for_one' ? withDependents(context, name) : new Set([name]);
        return patch(context, targets, (r) => ({
          restartPending: true,
          ...(r.name === name ? { backoffPending: false, restarts: r.restarts + 1 } : {}),
        }));
      },
      // Not counted in the intensity window: back-off restarts are the slow lane past it.
    }),
    forgetRestart: assign(({ context }) => {
      const recentRestarts = Math.max(0, context.recentRestarts - 1);
      // The intensity window cooled down: a resource running again starts its next back-off afresh.
      if (recentRestarts >= context.maxRestarts) return { recentRestarts };
      const settled = list(context)
        .filter((r) => r.backoffs > 0 && r.state === 'ready')
        .map((r) => r.name);
      return { recentRestarts, resources: patch(context, settled, () => ({ backoffs: 0 })) };
    }),
    recordStartupFailure: assign({
      failure: ({ context }) => ({
        reason: 'startup' as const,
        resources: list(context)
          .filter((r) => !r.optional && r.state === 'failed')
          .map((r) => r.name),
      }),
    }),
    recordEscalation: assign({
      failure: ({ event }) => ({ reason: 'restart_intensity' as const, resources: [nameOf(event)] }),
    }),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    order: input.resources.map((r) => r.name),
    inputs: Object.fromEntries(input.resources.map((r) => [r.name, r])),
    resources: Object.fromEntries(input.resources.map((r) => [r.name, initialResource(r)])),
    strategy: input.strategy,
    maxRestarts: input.maxRestarts,
    restartPeriod: input.restartPeriod,
    onExhausted: input.onExhausted ?? 'backoff',
    initialBackoff: input.initialBackoff ?? 1000,
    maxBackoff: input.maxBackoff ?? 60_000,
    recentRestarts: 0,
  }),
  initial: 'idle',
  on: {
    'RESTART.EXPIRED': { actions: 'forgetRestart' },
  },
  states: {
    idle: {
      on: {
        START: 'starting',
        // The runtime sends START once its security configuration is ready (a microtask or more
        // after start()): a stop() in between finds the supervisor still idle.
        STOP: 'stopped',
      },
    },
    starting: {
      entry: ['spawnResources', 'startUnblockedResources'],
      always: [
        {
          guard: and(['requiredResourceFailed', 'noResourceInFlight']),
          target: 'failed',
          actions: 'recordStartupFailure',
        },
        { guard: and(['everyResourceUp', not('requiredResourceFailed')]), target: 'running' },
      ],
      on: {
        'RESOURCE.RETRYING': { actions: 'recordRetrying' },
        'RESOURCE.READY': { actions: ['recordReady', 'startUnblockedResources'] },
        'RESOURCE.DEGRADED': { actions: ['recordDegraded', 'startUnblockedResources'] },
        'RESOURCE.RECOVERING': { actions: 'recordRecovering' },
        'RESOURCE.FAILED': { actions: ['recordFailed', 'startUnblockedResources'] },
        STOP: 'stopping',
      },
    },
    running: {
      entry: 'reviveFailedOptional',
      initial: 'healthy',
      states: {
        healthy: { always: { guard: 'someResourceImpaired', target: 'degraded' } },
        degraded: { always: { guard: not('someResourceImpaired'), target: 'healthy' } },
      },
      on: {
        'RESOURCE.RETRYING': { actions: 'recordRetrying' },
        'RESOURCE.READY': { actions: ['recordReady', 'startUnblockedResources'] },
        'RESOURCE.DEGRADED': { actions: ['recordDegraded', 'startUnblockedResources'] },
        'RESOURCE.RECOVERING': { actions: 'recordRecovering' },
        'RESOURCE.FAILED': [
          {
            guard: and(['restartLimitReached', 'haltsWhenExhausted', not('failedResourceIsOptional')]),
            target: 'failed',
            actions: ['recordFailed', 'recordEscalation'],
          },
          // Past the restart intensity: a crash-loop back-off, then a restart; never give up.
          { guard: 'restartLimitReached', actions: ['recordFailed', 'scheduleBackoffRestart'] },
          { actions: ['recordFailed', 'scheduleRestart', 'expireRestartLater', 'stopForRestart'] },
        ],
        'RESTART.DUE': { actions: ['restartAfterBackoff', 'stopForRestart'] },
        'RESOURCE.STOPPED': { actions: ['recordStopped', 'stopForRestart', 'startUnblockedResources'] },
        STOP: 'stopping',
      },
    },
    stopping: {
      entry: 'stopInReverseOrder',
      always: { guard: 'everyResourceStopped', target: 'stopped' },
      on: {
        'RESOURCE.RETRYING': { actions: 'recordRetrying' },
        'RESOURCE.FAILED': { actions: 'recordFailed' },
        'RESOURCE.STOPPED': { actions: ['recordStopped', 'stopInReverseOrder'] },
      },
    },
    stopped: {},
    failed: {
      initial: 'stopping',
      states: {
        stopping: {
          entry: 'stopInReverseOrder',
          always: { guard: 'everyResourceStopped', target: 'halted' },
          on: {
            'RESOURCE.FAILED': { actions: 'recordFailed' },
            'RESOURCE.STOPPED': { actions: ['recordStopped', 'stopInReverseOrder'] },
          },
        },
        halted: {},
      },
    },
  },
});
