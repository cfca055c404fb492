import { assign, fromCallback, fromPromise, sendParent, setup } from 'xstate';

import type {
  ResourceErrorInfo,
  ResourceHealthReport,
  ResourceInput,
  ResourceContext,
  ResourceEvent,
  ResourceReport,
  InitializeResourceInput,
  ResourceActorInput,
} from './resource-types.js';

export type * from './resource-types.js';

/** Turns anything thrown into plain error data; never throws itself, whatever it is given. */
export function describeError(error: unknown): ResourceErrorInfo {
  try {
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code;
      return {
        name: String(error.name),
        message: String(error.message),
        ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
      };
    }
    if (error && typeof error === 'object' && 'message' in error) {
      return { name: 'Error', message: String((error as { message: unknown }).message) };
    }
    return { name: 'Error', message: error === undefined ? 'unknown error' : String(error) };
  } catch {
    return { name: 'Error', message: 'an error that cannot be described (its message or toString threw)' };
  }
}

const seconds = (ms: number): string => `${Math.round(ms) / 1000} s`;

const timeoutError = (what: string, ms: number): ResourceErrorInfo => ({
  name: 'TimeoutError',
  message: `${what} took longer than ${seconds(ms)}`,
  code: 'ETIMEDOUT',
});

/** The health reading carried by a check's done event or by a `LAYER.HEALTH` event. */
function healthOf(event: unknown): ResourceHealthReport | undefined {
  if (!event || typeof event !== 'object') return undefined;
  if ('health' in event) return (event as { health: ResourceHealthReport }).health;
  if ('output' in event) return (event as { output: ResourceHealthReport }).output;
  return undefined;
}

const errorOf = (event: unknown): unknown =>
  event && typeof event === 'object' && 'error' in event ? (event as { error: unknown }).error : event;

const notProvided = (what: string) => () => Promise.reject(new Error(`resource machine: provide the ${what} actor`));

/**
 * The lifecycle of one resource (a cache, a filesystem area, a database, or one of the
 * embedding service's own): `idle → initializing → running (ready | degraded | recovering) →
 * stopping → stopped`, and `failed`.
 *
 * - `initializing` runs the `initializeResource` actor (the layer's `start`); an attempt that
 *   rejects, or takes longer than `timeout`, is retried `retryAttempts` times `retryDelay`
 *   apart, then the resource is `failed`.
 * - `running.ready` / `running.degraded` run `checkHealth` every `healthInterval` (at most
 *   `timeout` each). A check that says degraded moves to `degraded`; one that says down, rejects
 *   or times out moves to `recovering`.
 * - `running.recovering` re-checks up to `retryAttempts` times (at least once), `retryDelay`
 *   apart; a passing check returns to `ready` (or `degraded`), otherwise the resource is
 *   `failed` and its supervisor decides whether to restart it (`STOP`, then `START`).
 * - While `running`, the `watchHealth` actor forwards what the layer reports by itself
 *   (`LayerHealth` on `health$`) as `LAYER.HEALTH`, so a dropped connection is acted on at once
 *   rather than at the next check.
 * - `stopping` runs `stopResource` (the layer's `stop`); after `stopTimeout` the stop is
 *   abandoned and reported as such.
 *
 * Every step the supervisor cares about is reported to the parent as a {@link ResourceReport}.
 * Pure: the actors and delays are supplied by `src/runtime` with `.provide()`.
 */
export const resourceMachine = setup({
  types: {
    context: {} as ResourceContext,
    events: {} as ResourceEvent,
    input: {} as ResourceInput,
  },
  actors: {
    initializeResource: fromPromise<void, InitializeResourceInput>(notProvided('initializeResource')),
    checkHealth: fromPromise<ResourceHealthReport, ResourceActorInput>(notProvided('checkHealth')),
    stopResource: fromPromise<void, ResourceActorInput>(notProvided('stopResource')),
    watchHealth: fromCallback<ResourceEvent, ResourceActorInput>(() => undefined),
  },
  delays: {
    retryDelay: ({ context }) => context.retryDelay,
    initializeTimeout: ({ context }) => context.timeout,
    healthInterval: ({ context }) => context.healthInterval,
    healthTimeout: ({ context }) => context.timeout,
    stopTimeout: ({ context }) => context.stopTimeout,
  },
  guards: {
    canRetryInitialization: ({ context }) => context.attempt <= context.retryAttempts,
    canCheckAgain: ({ context }) => context.recoveryChecks < Math.max(1, context.retryAttempts),
    healthIsUp: ({ event }) => healthOf(event)?.status === 'up',
    healthIsDegraded: ({ event }) => healthOf(event)?.status === 'degraded',
    healthIsDown: ({ event }) => healthOf(event)?.status === 'down',
  },
  actions: {
    rememberDependencies: assign({
      dependencies: ({ event }) => (event.type === 'START' ? event.dependencies : []),
    }),
    resetAttempts: assign({ attempt: 0 }),
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    resetRecoveryChecks: assign({ recoveryChecks: 0 }),
    countRecoveryCheck: assign({ recoveryChecks: ({ context }) => context.recoveryChecks + 1 }),
    recordError: assign({ lastError: ({ event }) => describeError(errorOf(event)) }),
    recordInitializeTimeout: assign({
      lastError: ({ context }) => timeoutError(`initialization attempt ${context.attempt}`, context.timeout),
    }),
    recordCheckTimeout: assign({ lastError: ({ context }) => timeoutError('the health check', context.timeout) }),
    recordHealthError: assign({
      lastError: ({ event, context }) => {
        const health = healthOf(event);
        return health?.status === 'down' ? health.error : context.lastError;
      },
    }),
    recordDegradedReason: assign({
      degradedReason: ({ event }) => {
        const health = healthOf(event);
        return health?.status === 'degraded' ? health.reason : undefined;
      },
    }),
    recordStopClean: assign({ stopOutcome: 'clean' as const }),
    recordStopSkipped: assign({ stopOutcome: 'skipped' as const }),
    recordStopError: assign({
      stopOutcome: 'error' as const,
      lastError: ({ event }) => describeError(errorOf(event)),
    }),
    recordStopAbandoned: assign({
      stopOutcome: 'abandoned' as const,
      lastError: ({ context }) => timeoutError('stopping', context.stopTimeout),
    }),
    recordWatchError: assign({ lastError: ({ event }) => describeError(errorOf(event)) }),
    reportRetrying: sendParent(({ context }) => ({
      type: 'RESOURCE.RETRYING',
      name: context.name,
      attempt: context.attempt,
      error: context.lastError ?? describeError(undefined),
    })),
    reportReady: sendParent(({ context }) => ({
      type: 'RESOURCE.READY',
      name: context.name,
      attempt: context.attempt,
    })),
    reportDegraded: sendParent(({ context }) => ({
      type: 'RESOURCE.DEGRADED',
      name: context.name,
      reason: context.degradedReason ?? 'degraded',
    })),
    reportRecovering: sendParent(({ context }) => ({
      type: 'RESOURCE.RECOVERING',
      name: context.name,
      ...(context.lastError ? { error: context.lastError } : {}),
    })),
    reportFailed: sendParent(({ context }) => ({
      type: 'RESOURCE.FAILED',
      name: context.name,
      attempts: context.attempt,
      ...(context.lastError ? { error: context.lastError } : {}),
    })),
    reportStopped: sendParent(({ context }) => ({
      type: 'RESOURCE.STOPPED',
      name: context.name,
      outcome: context.stopOutcome ?? 'clean',
      ...(context.stopOutcome === 'error' || context.stopOutcome === 'abandoned'
        ? { error: context.lastError ?? describeError(undefined) }
        : {}),
    })),
  },
}).createMachine({
  id: 'resource',
  context: ({ input }) => ({ ...input, attempt: 0, recoveryChecks: 0, dependencies: [] }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        START: { target: 'initializing', actions: 'rememberDependencies' },
        STOP: { target: 'stopped', actions: 'recordStopSkipped' },
      },
    },
    initializing: {
      entry: 'resetAttempts',
      initial: 'attempting',
      on: { STOP: 'stopping' },
      states: {
        attempting: {
          entry: 'countAttempt',
          invoke: {
            src: 'initializeResource',
            input: ({ context }) => ({
              name: context.name,
              attempt: context.attempt,
              dependencies: context.dependencies,
            }),
            onDone: { target: '#resource.running' },
            onError: [
              { guard: 'canRetryInitialization', target: 'waiting', actions: ['recordError', 'reportRetrying'] },
              { target: '#resource.failed', actions: 'recordError' },
            ],
          },
          after: {
            initializeTimeout: [
              {
                guard: 'canRetryInitialization',
                target: 'waiting',
                actions: ['recordInitializeTimeout', 'reportRetrying'],
              },
              { target: '#resource.failed', actions: 'recordInitializeTimeout' },
            ],
          },
        },
        waiting: { after: { retryDelay: 'attempting' } },
      },
    },
    running: {
      invoke: {
        src: 'watchHealth',
        input: ({ context }) => ({ name: context.name }),
        onError: { actions: 'recordWatchError' },
      },
      on: { STOP: 'stopping' },
      initial: 'ready',
      states: {
        ready: {
          entry: 'reportReady',
          initial: 'waiting',
          on: {
            'LAYER.HEALTH': [
              { guard: 'healthIsDegraded', target: 'degraded', actions: 'recordDegradedReason' },
              { guard: 'healthIsDown', target: 'recovering', actions: 'recordHealthError' },
            ],
          },
          states: {
            waiting: { after: { healthInterval: 'checking' } },
            checking: {
              invoke: {
                src: 'checkHealth',
                input: ({ context }) => ({ name: context.name }),
                onDone: [
                  { guard: 'healthIsDegraded', target: '#resource.running.degraded', actions: 'recordDegradedReason' },
                  { guard: 'healthIsDown', target: '#resource.running.recovering', actions: 'recordHealthError' },
                  { target: 'waiting' },
                ],
                onError: { target: '#resource.running.recovering', actions: 'recordError' },
              },
              after: { healthTimeout: { target: '#resource.running.recovering', actions: 'recordCheckTimeout' } },
            },
          },
        },
        degraded: {
          entry: 'reportDegraded',
          initial: 'waiting',
          on: {
            'LAYER.HEALTH': [
              { guard: 'healthIsUp', target: 'ready' },
              { guard: 'healthIsDown', target: 'recovering', actions: 'recordHealthError' },
              { guard: 'healthIsDegraded', actions: 'recordDegradedReason' },
            ],
          },
          states: {
            waiting: { after: { healthInterval: 'checking' } },
            checking: {
              invoke: {
                src: 'checkHealth',
                input: ({ context }) => ({ name: context.name }),
                onDone: [
                  { guard: 'healthIsUp', target: '#resource.running.ready' },
                  { guard: 'healthIsDown', target: '#resource.running.recovering', actions: 'recordHealthError' },
                  { target: 'waiting', actions: 'recordDegradedReason' },
                ],
                onError: { target: '#resource.running.recovering', actions: 'recordError' },
              },
              after: { healthTimeout: { target: '#resource.running.recovering', actions: 'recordCheckTimeout' } },
            },
          },
        },
        recovering: {
          entry: ['resetRecoveryChecks', 'reportRecovering'],
          initial: 'waiting',
          on: {
            'LAYER.HEALTH': { guard: 'healthIsUp', target: 'ready' },
          },
          states: {
            waiting: { after: { retryDelay: 'checking' } },
            checking: {
              entry: 'countRecoveryCheck',
              invoke: {
                src: 'checkHealth',
                input: ({ context }) => ({ name: context.name }),
                onDone: [
                  { guard: 'healthIsUp', target: '#resource.running.ready' },
                  { guard: 'healthIsDegraded', target: '#resource.running.degraded', actions: 'recordDegradedReason' },
                  { guard: 'canCheckAgain', target: 'waiting', actions: 'recordHealthError' },
                  { target: '#resource.failed', actions: 'recordHealthError' },
                ],
                onError: [
                  { guard: 'canCheckAgain', target: 'waiting', actions: 'recordError' },
                  { target: '#resource.failed', actions: 'recordError' },
                ],
              },
              after: {
                healthTimeout: [
                  { guard: 'canCheckAgain', target: 'waiting', actions: 'recordCheckTimeout' },
                  { target: '#resource.failed', actions: 'recordCheckTimeout' },
                ],
              },
            },
          },
        },
      },
    },
    failed: {
      entry: 'reportFailed',
      on: { STOP: 'stopping' },
    },
    stopping: {
      invoke: {
        src: 'stopResource',
        input: ({ context }) => ({ name: context.name }),
        onDone: { target: 'stopped', actions: 'recordStopClean' },
        onError: { target: 'stopped', actions: 'recordStopError' },
      },
      after: { stopTimeout: { target: 'stopped', actions: 'recordStopAbandoned' } },
    },
    stopped: {
      entry: 'reportStopped',
      on: { START: { target: 'initializing', actions: 'rememberDependencies' } },
    },
  },
});
