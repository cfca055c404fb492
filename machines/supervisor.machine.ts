import { and, assign, enqueueActions, not, raise, setup } from 'xstate';
import {
  describeError,
  resourceMachine,
  type ResourceErrorInfo,
  type ResourceInput,
  type ResourceReport,
  type ResourceStopOutcome,
} from './resource.machine.js';

/** How the supervisor restarts a resource that failed while running (OTP's strategies). */
export type RestartStrategy = 'one_for_one' | 'rest_for_one';

/** The supervisor's view of one resource's state: the resource machine's top-level states. */
export type SupervisedState =
  'idle' | 'initializing' | 'ready' | 'degraded' | 'recovering' | 'failed' | 'stopping' | 'stopped';

/** One resource as the supervisor is given it. */
export interface SupervisedResourceInput extends ResourceInput {
  /** Resources that must be up before this one starts (and stop after it). */
  readonly dependsOn: readonly string[];
  /** An optional resource may fail; the runtime is then degraded instead of failing. */
  readonly optional: boolean;
}

/** What the supervisor is started with. Durations in milliseconds. */
export interface SupervisorInput {
  /** Every resource, in a topological order of `dependsOn` (dependencies first), without cycles. */
  readonly resources: readonly SupervisedResourceInput[];
  readonly strategy: RestartStrategy;
  /** Restarts allowed within `restartPeriod`; one more failure escalates to `failed`. */
  readonly maxRestarts: number;
  readonly restartPeriod: number;
  /**
   * Past the restart intensity: `backoff` (default) keeps restarting the resource with capped
   * exponential back-off (a crash-loop back-off) for as long as the process runs; `halt`
   * escalates to `failed` and stops everything (for a process manager that restarts the
   * process). Optional resources are always revived with back-off.
   */
  readonly onExhausted?: 'backoff' | 'halt';
  /** First crash-loop back-off (ms), doubled at each further restart; default 1000. */
  readonly initialBackoff?: number;
  /** The crash-loop back-off never exceeds this (ms); default 60 000. */
  readonly maxBackoff?: number;
}

/** The supervisor's record of one resource. */
export interface SupervisedResource {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly optional: boolean;
  readonly state: SupervisedState;
  /** Initialization attempts of the last start. */
  readonly attempts: number;
  /** Times the supervisor restarted it. */
  readonly restarts: number;
  readonly lastError?: ResourceErrorInfo;
  readonly degradedReason?: string;
  readonly stopOutcome?: ResourceStopOutcome;
  /** Scheduled for a restart: it is stopped (after its scheduled dependents), then started again. */
  readonly restartPending: boolean;
  /** Waiting out a crash-loop back-off before its next restart (it stays `failed` meanwhile). */
  readonly backoffPending: boolean;
  /** Crash-loop back-offs in a row (0 once the restart intensity window has cooled down). */
  readonly backoffs: number;
  /** The back-off (ms) before its next restart, while `backoffPending`. */
  readonly backoffMs?: number;
}

/** Why the supervisor is `failed`. */
export interface SupervisorFailure {
  /** `startup`: a required resource could not start; `restart_intensity`: too many restarts. */
  readonly reason: 'startup' | 'restart_intensity';
  /** The required resources that failed. */
  readonly resources: readonly string[];
}

/** What the supervisor remembers. */
export interface SupervisorContext {
  /** Resource names in topological order. */
  readonly order: readonly string[];
  readonly inputs: Readonly<Record<string, SupervisedResourceInput>>;
  readonly resources: Readonly<Record<string, SupervisedResource>>;
  readonly strategy: RestartStrategy;
  readonly maxRestarts: number;
  readonly restartPeriod: number;
  readonly onExhausted: 'backoff' | 'halt';
  readonly initialBackoff: number;
  readonly maxBackoff: number;
  /** Restarts within the last `restartPeriod`. */
  readonly recentRestarts: number;
  readonly failure?: SupervisorFailure;
}

/**
 * Events the supervisor accepts: `START` and `STOP` from the runtime, the
 * {@link ResourceReport}s of its resource actors, and its own delayed `RESTART.EXPIRED`
 * (a restart leaving the intensity window).
 */
export type SupervisorEvent =
  | { readonly type: 'START' }
  | { readonly type: 'STOP' }
  | { readonly type: 'RESTART.EXPIRED' }
  /** A resource's crash-loop back-off is over: restart it now. */
  | { readonly type: 'RESTART.DUE'; readonly name: string }
  | ResourceReport;

/** Id of a resource's actor under the supervisor (and its event-log source suffix). */
export const resourceActorId = (name: string): string => `resource.${name}`;

const UP: readonly SupervisedState[] = ['ready', 'degraded', 'recovering'];

const list = (context: SupervisorContext): SupervisedResource[] =>
  context.order.map((name) => context.resources[name]).filter((r): r is SupervisedResource => r !== undefined);

/** A dependency lets its dependents start when it is up, or when it is optional and gave up. */
const satisfies = (dep: SupervisedResource | undefined): boolean =>
  dep !== undefined && !dep.restartPending && (UP.includes(dep.state) || (dep.optional && dep.state === 'failed'));

/** A required resource failed and will not be restarted: start nothing more. */
const haltingOnFailure = (context: SupervisorContext): boolean =>
  list(context).some((r) => !r.optional && r.state === 'failed' && !r.restartPending && !r.backoffPending);

/** The crash-loop back-off before restart number `n` (1-based): `initial × 2^(n−1)`, capped. */
export function crashLoopBackoffMs(
  context: Pick<SupervisorContext, 'initialBackoff' | 'maxBackoff'>,
  n: number,
): number {
  const grown = context.initialBackoff * 2 ** Math.min(Math.max(0, n - 1), 40);
  return Math.max(0, Math.min(grown, context.maxBackoff, 2_147_483_647));
}

/** Resources to send `START` to now, with the dependencies they start with. */
function startable(context: SupervisorContext): { name: string; dependencies: string[] }[] {
  if (haltingOnFailure(context)) return [];
  return list(context)
    .filter((r) => (r.state === 'idle' || r.state === 'stopped') && !r.restartPending)
    .filter((r) => r.dependsOn.every((d) => satisfies(context.resources[d])))
    .map((r) => ({
      name: r.name,
      dependencies: r.dependsOn.filter((d) => UP.includes(context.resources[d]?.state ?? 'idle')),
    }));
}

const dependentsOf = (context: SupervisorContext, name: string): SupervisedResource[] =>
  list(context).filter((r) => r.dependsOn.includes(name));

/** `name` and every resource that depends on it, directly or not. */
function withDependents(context: SupervisorContext, name: string): Set<string> {
  const found = new Set<string>([name]);
  for (const r of list(context)) if (r.dependsOn.some((d) => found.has(d))) found.add(r.name);
  return found;
}

/** Resources to send `STOP` to now for a scheduled restart: dependents first. */
const stoppableForRestart = (context: SupervisorContext): string[] =>
  list(context)
    .filter((r) => r.restartPending && !['stopping', 'stopped', 'idle'].includes(r.state))
    .filter((r) => dependentsOf(context, r.name).every((d) => !d.restartPending))
    .map((r) => r.name);

/** Resources to send `STOP` to now when stopping everything: those whose dependents all stopped. */
const stoppableInReverseOrder = (context: SupervisorContext): string[] =>
  list(context)
    .filter((r) => r.state !== 'stopping' && r.state !== 'stopped')
    .filter((r) => dependentsOf(context, r.name).every((d) => d.state === 'stopped'))
    .map((r) => r.name);

function patch(
  context: SupervisorContext,
  names: Iterable<string>,
  change: (r: SupervisedResource) => Partial<SupervisedResource>,
): Record<string, SupervisedResource> {
  const resources = { ...context.resources };
  for (const name of names) {
    const current = resources[name];
    if (current) resources[name] = { ...current, ...change(current) };
  }
  return resources;
}

/**
 * A report moves the resource to `state`, unless the supervisor already told it to stop: until
 * its `RESOURCE.STOPPED` arrives, a report sent before it saw `STOP` only updates the details.
 */
const report = (r: SupervisedResource, state: SupervisedState): SupervisedState =>
  r.state === 'stopping' && state !== 'stopped' ? 'stopping' : state;

const nameOf = (event: SupervisorEvent): string => ('name' in event ? event.name : '');

const initialResource = (input: SupervisedResourceInput): SupervisedResource => ({
  name: input.name,
  dependsOn: input.dependsOn,
  optional: input.optional,
  state: 'idle',
  attempts: 0,
  restarts: 0,
  restartPending: false,
  backoffPending: false,
  backoffs: 0,
});

const crashInfo = (error: unknown): ResourceErrorInfo => {
  const info = describeError(error);
  return { ...info, message: `the resource actor crashed: ${info.message}` };
};

const resourceInput = ({ dependsOn: _d, optional: _o, ...input }: SupervisedResourceInput): ResourceInput => input;

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
    restartAlreadyPending: ({ context, event }) => context.resources[nameOf(event)]?.restartPending === true,
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
    replaceCrashedResource: enqueueActions(({ context, event, enqueue }) => {
      const id = (event as { type: string }).type.slice('xstate.error.actor.'.length);
      const name = context.order.find((n) => resourceActorId(n) === id);
      const input = name ? context.inputs[name] : undefined;
      if (!name || !input) return;
      enqueue.stopChild(id);
      enqueue.spawnChild('resource', { id, input: resourceInput(input) });
      enqueue.assign({
        resources: patch(context, [name], () => ({
          state: 'stopped',
          restartPending: false,
          lastError: crashInfo((event as { error?: unknown }).error),
        })),
      });
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
    // A resource actor that crashed (a bug: its machine handles every error it expects) is
    // replaced by a fresh one, which counts as stopped and is started again where it should run.
    'xstate.error.actor.*': { actions: 'replaceCrashedResource' },
  },
  states: {
    idle: {
      on: {
        START: 'starting',
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
        'RESOURCE.STOPPED': { actions: 'recordStopped' },
        'xstate.error.actor.*': { actions: ['replaceCrashedResource', 'startUnblockedResources'] },
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
          { guard: 'restartAlreadyPending', actions: 'recordFailed' },
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
        'xstate.error.actor.*': { actions: ['replaceCrashedResource', 'stopForRestart', 'startUnblockedResources'] },
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
        'xstate.error.actor.*': { actions: ['replaceCrashedResource', 'stopInReverseOrder'] },
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
            'xstate.error.actor.*': { actions: ['replaceCrashedResource', 'stopInReverseOrder'] },
          },
        },
        halted: {},
      },
    },
  },
});
