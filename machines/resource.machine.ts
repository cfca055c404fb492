import { assign, fromCallback, fromPromise, sendParent, setup } from 'xstate';

/** An error as the machines keep it: plain data, so snapshots and event logs serialize. */
export interface ResourceErrorInfo {
  readonly name: string;
  readonly message: string;
  /** A stable code when the error had one (`ECONNREFUSED`, `STARTUP_FAILED`, ...). */
  readonly code?: string;
}

/** A health reading, from a check or from the layer itself (the machine's view of `LayerHealth`). */
export type ResourceHealthReport =
  | { readonly status: 'up' }
  | { readonly status: 'degraded'; readonly reason: string }
  | { readonly status: 'down'; readonly error: ResourceErrorInfo };

/** How the last stop of the resource ended. */
export type ResourceStopOutcome = 'clean' | 'error' | 'abandoned' | 'skipped';

/** What a resource actor is started with. Every duration is in milliseconds. */
export interface ResourceInput {
  /** Resource name as in config and status (`cache`, `database`, ...). */
  readonly name: string;
  /** Initialization attempts after the first one; also the re-checks made while `recovering`. */
  readonly retryAttempts: number;
  /** Pause between two initialization attempts, and between two recovery checks. */
  readonly retryDelay: number;
  /** Time an initialization attempt or a health check may take. */
  readonly timeout: number;
  /** Pause between two health checks while running. */
  readonly healthInterval: number;
  /** Time the layer gets to stop before it is abandoned. */
  readonly stopTimeout: number;
}

/** What the resource machine remembers. */
export interface ResourceContext extends ResourceInput {
  /** Initialization attempt in progress or last made, from 1. */
  readonly attempt: number;
  /** Recovery checks made since the resource entered `recovering`. */
  readonly recoveryChecks: number;
  /** Names of the started resources this one was started with. */
  readonly dependencies: readonly string[];
  readonly lastError?: ResourceErrorInfo;
  readonly degradedReason?: string;
  readonly stopOutcome?: ResourceStopOutcome;
}

/**
 * Events the resource machine accepts:
 * - `START` `{ dependencies }` — from the supervisor, once the resources this one depends on are
 *   up (`idle` / `stopped` → `initializing`).
 * - `STOP` — from the supervisor (any state but `stopped` → `stopping` → `stopped`).
 * - `LAYER.HEALTH` `{ health }` — a health change the layer reported by itself, forwarded by the
 *   `watchHealth` actor while `running`.
 */
export type ResourceEvent =
  | { readonly type: 'START'; readonly dependencies: readonly string[] }
  | { readonly type: 'STOP' }
  | { readonly type: 'LAYER.HEALTH'; readonly health: ResourceHealthReport };

/**
 * Events a resource sends its parent (the supervisor), one per lifecycle step that matters to it.
 */
export type ResourceReport =
  | {
      readonly type: 'RESOURCE.RETRYING';
      readonly name: string;
      readonly attempt: number;
      readonly error: ResourceErrorInfo;
    }
  | { readonly type: 'RESOURCE.READY'; readonly name: string; readonly attempt: number }
  | { readonly type: 'RESOURCE.DEGRADED'; readonly name: string; readonly reason: string }
  | { readonly type: 'RESOURCE.RECOVERING'; readonly name: string; readonly error?: ResourceErrorInfo }
  | {
      readonly type: 'RESOURCE.FAILED';
      readonly name: string;
      readonly attempts: number;
      readonly error?: ResourceErrorInfo;
    }
  | {
      readonly type: 'RESOURCE.STOPPED';
      readonly name: string;
      readonly outcome: ResourceStopOutcome;
      readonly error?: ResourceErrorInfo;
    };

/** Input of the `initializeResource` actor. */
export interface InitializeResourceInput {
  readonly name: string;
  readonly attempt: number;
  readonly dependencies: readonly string[];
}

/** Input of the `checkHealth`, `stopResource` and `watchHealth` actors. */
export interface ResourceActorInput {
  readonly name: string;
}

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
