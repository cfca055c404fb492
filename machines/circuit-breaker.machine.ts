import { assign, fromPromise, setup } from 'xstate';

/** What a breaker actor is started with (from `error_handling.circuit_breaker`, in ms). */
export interface CircuitBreakerInput {
  /** The breaker's name: the resource it guards. */
  readonly name: string;
  /** Milliseconds open before the first half-open trial. */
  readonly resetTimeoutMs: number;
  /** Each consecutive trip multiplies the reset timeout by this (1 = fixed). */
  readonly resetBackoff: number;
  /** The growing reset timeout never exceeds this (ms). */
  readonly maxResetTimeoutMs: number;
  /** Milliseconds a half-open trial or probe may take before the breaker reopens. */
  readonly trialTimeoutMs: number;
  /** Trial calls that must succeed in halfOpen to close (when not probing). */
  readonly halfOpenCalls: number;
  /** Probe the resource itself in halfOpen instead of letting user calls through as trials. */
  readonly useProbe: boolean;
}

/** The breaker's memory. */
export interface CircuitBreakerContext extends CircuitBreakerInput {
  /** Trips since the breaker last closed; drives the growing reset timeout. */
  readonly trips: number;
  /** Trial calls that succeeded in the current halfOpen. */
  readonly trialSuccesses: number;
  /** Why the breaker is in its state (`failure-ratio`, `slow-calls`, `trial-failed`, `trial-timeout`, `probe-failed`, `isolated`, `reset`, `remote`). */
  readonly reason: string;
  /** Set when another process opened the breaker: stay open this long instead of the own reset timeout. */
  readonly remoteDelayMs: number | undefined;
}

/** The sliding window's failure (or slow-call) ratio reached its threshold. */
export interface TripEvent {
  readonly type: 'TRIP';
  /** `failure-ratio` or `slow-calls`. */
  readonly reason: string;
}
/** A half-open trial call finished; `success` false reopens the breaker. */
export interface TrialResultEvent {
  readonly type: 'TRIAL.SUCCESS' | 'TRIAL.FAILURE';
}
/** `isolate()`: force open until reset; `reset()`: close and forget. */
export interface ManualEvent {
  readonly type: 'ISOLATE' | 'RESET';
}
/** Another process of the service opened its breaker (shared state through Redis). */
export interface RemoteOpenEvent {
  readonly type: 'REMOTE.OPEN';
  /** Milliseconds the other process will stay open; this one stays open as long. */
  readonly delayMs: number;
  /** The other process's trip count (the larger one is kept, so the timeouts grow together). */
  readonly trips: number;
}
/** Another process closed, isolated or reset its breaker. */
export interface RemoteStateEvent {
  readonly type: 'REMOTE.CLOSE' | 'REMOTE.ISOLATE';
}

export type CircuitBreakerEvent = TripEvent | TrialResultEvent | ManualEvent | RemoteOpenEvent | RemoteStateEvent;

/** The longest delay a JavaScript timer honours (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Milliseconds the breaker stays open after its latest trip: `reset_timeout × reset_backoff^(trips − 1)`,
 * capped at `max_reset_timeout` (and at {@link MAX_TIMER_MS}), always finite; or what another
 * process announced.
 */
export function resetDelayMs(context: CircuitBreakerContext): number {
  if (context.remoteDelayMs !== undefined) return Math.min(MAX_TIMER_MS, Math.max(0, context.remoteDelayMs));
  const exponent = Math.min(Math.max(0, context.trips - 1), 1000);
  const grown = context.resetTimeoutMs * context.resetBackoff ** exponent;
  const cap = Math.max(context.maxResetTimeoutMs, context.resetTimeoutMs);
  const capped = Math.min(Number.isFinite(grown) ? grown : Number.MAX_VALUE, cap, MAX_TIMER_MS);
  return Number.isFinite(capped) && capped >= 0 ? capped : Math.min(MAX_TIMER_MS, Math.max(0, context.resetTimeoutMs));
}

/**
 * A circuit breaker: `closed → open → halfOpen → closed`, plus `isolated` by hand.
 *
 * - `closed`: calls pass. The per-call counting is NOT here: a plain sliding window in `src/`
 *   counts calls and sends `TRIP` only when the failure (or slow-call) ratio reaches the
 *   threshold, so this machine receives an event only when the state changes.
 * - `open`: calls are refused. After `resetTimeout` (growing with consecutive trips) → `halfOpen`.
 * - `halfOpen`: either `probing` (the `probe` actor checks the resource itself: Redis PING,
 *   SELECT 1, a stat) or `trial` (the first `halfOpenCalls` user calls are let through; all must
 *   succeed). Success closes, failure reopens. `trialTimeout` reopens it if a trial or probe
 *   hangs, so the breaker can never stay stuck half-open.
 * - `isolated`: refused until `RESET`.
 * - `REMOTE.*` events carry transitions of the same breaker in other processes (through Redis).
 */
export const circuitBreakerMachine = setup({
  types: {
    context: {} as CircuitBreakerContext,
    events: {} as CircuitBreakerEvent,
    input: {} as CircuitBreakerInput,
  },
  actions: {
    countTrip: assign({ trips: ({ context }) => context.trips + 1, remoteDelayMs: undefined }),
    noteTripReason: assign({ reason: ({ event }) => (event.type === 'TRIP' ? event.reason : 'tripped') }),
    noteTrialFailed: assign({ reason: 'trial-failed' }),
    noteTrialTimeout: assign({ reason: 'trial-timeout' }),
    noteProbeFailed: assign({ reason: 'probe-failed' }),
    noteIsolated: assign({ reason: 'isolated' }),
    noteRemote: assign({ reason: 'remote' }),
    adoptRemoteOpen: assign({
      reason: 'remote',
      remoteDelayMs: ({ event }) => (event.type === 'REMOTE.OPEN' ? event.delayMs : undefined),
      trips: ({ context, event }) =>
        event.type === 'REMOTE.OPEN' ? Math.max(context.trips, event.trips) : context.trips,
    }),
    forgetTrips: assign({ trips: 0, remoteDelayMs: undefined }),
    noteClosed: assign({
      reason: ({ event }) =>
        event.type === 'RESET' ? 'reset' : event.type === 'REMOTE.CLOSE' ? 'remote' : 'recovered',
    }),
    resetTrials: assign({ trialSuccesses: 0 }),
    countTrialSuccess: assign({ trialSuccesses: ({ context }) => context.trialSuccesses + 1 }),
  },
  actors: {
    /** Checks the resource itself; provided by `src/resilience` (the pipeline's probe). */
    probe: fromPromise<void, { name: string }>(async () => {
      throw new Error('no probe provided');
    }),
  },
  guards: {
    usesProbe: ({ context }) => context.useProbe,
    isLastTrial: ({ context }) => context.trialSuccesses + 1 >= context.halfOpenCalls,
  },
  delays: {
    resetTimeout: ({ context }) => resetDelayMs(context),
    trialTimeout: ({ context }) => Math.min(MAX_TIMER_MS, Math.max(0, context.trialTimeoutMs)),
  },
}).createMachine({
  id: 'circuitBreaker',
  context: ({ input }) => ({ ...input, trips: 0, trialSuccesses: 0, reason: 'initial', remoteDelayMs: undefined }),
  initial: 'closed',
  on: {
    ISOLATE: { target: '.isolated', actions: 'noteIsolated' },
    'REMOTE.ISOLATE': { target: '.isolated', actions: 'noteRemote' },
    RESET: { target: '.closed', actions: ['forgetTrips', 'noteClosed'] },
    'REMOTE.CLOSE': { target: '.closed', actions: ['forgetTrips', 'noteClosed'] },
  },
  states: {
    closed: {
      on: {
        TRIP: { target: 'open', actions: ['countTrip', 'noteTripReason'] },
        'REMOTE.OPEN': { target: 'open', actions: 'adoptRemoteOpen' },
      },
    },
    open: {
      after: { resetTimeout: 'halfOpen' },
      on: {
        'REMOTE.OPEN': { target: 'open', reenter: true, actions: 'adoptRemoteOpen' },
      },
    },
    halfOpen: {
      entry: 'resetTrials',
      initial: 'choosing',
      after: { trialTimeout: { target: 'open', actions: ['countTrip', 'noteTrialTimeout'] } },
      on: {
        'REMOTE.OPEN': { target: 'open', actions: 'adoptRemoteOpen' },
      },
      states: {
        choosing: {
          always: [{ guard: 'usesProbe', target: 'probing' }, { target: 'trial' }],
        },
        probing: {
          invoke: {
            src: 'probe',
            input: ({ context }) => ({ name: context.name }),
            onDone: { target: '#circuitBreaker.closed', actions: ['forgetTrips', 'noteClosed'] },
            onError: { target: '#circuitBreaker.open', actions: ['countTrip', 'noteProbeFailed'] },
          },
        },
        trial: {
          on: {
            'TRIAL.SUCCESS': [
              { guard: 'isLastTrial', target: '#circuitBreaker.closed', actions: ['forgetTrips', 'noteClosed'] },
              { actions: 'countTrialSuccess' },
            ],
            'TRIAL.FAILURE': { target: '#circuitBreaker.open', actions: ['countTrip', 'noteTrialFailed'] },
          },
        },
      },
    },
    isolated: {},
  },
});
