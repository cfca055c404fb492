import { assign, not, setup } from 'xstate';

/**
 * Which side of the threshold is bad: `above` for utilization, error rate and latency;
 * `below` for signals such as a cache hit ratio that should stay high.
 */
export type AlertDirection = 'above' | 'below';

/** What an alert actor is started with: one rule's thresholds and hold durations. */
export interface AlertInput {
  /** The rule's name (`pool_utilization`, `error_rate`, `latency_p95`, or a user rule's name). */
  readonly rule: string;
  /** Crossing this value (strictly) starts the hold before the alert fires. */
  readonly threshold: number;
  /**
   * Once firing, the value has to come back to this side of `clearThreshold` (inclusive) and
   * stay there for `clearHoldMs` before the alert resolves. Between the two thresholds the
   * alert keeps its state, so a signal oscillating around `threshold` does not flap.
   * Defaults to `threshold` (no band).
   */
  readonly clearThreshold?: number;
  readonly direction?: AlertDirection;
  /** Milliseconds the threshold must stay crossed before the alert fires. */
  readonly holdMs: number;
  /** Milliseconds the value must stay clear before a firing alert resolves. Defaults to `holdMs`. */
  readonly clearHoldMs?: number;
}

/** The alert's memory: its rule and the last value it saw. */
export interface AlertContext {
  readonly rule: string;
  readonly threshold: number;
  readonly clearThreshold: number;
  readonly direction: AlertDirection;
  readonly holdMs: number;
  readonly clearHoldMs: number;
  /** The last sampled value, `null` before the first sample. */
  readonly value: number | null;
  /** Who acknowledged the current firing (as given to `ACKNOWLEDGE`), while acknowledged. */
  readonly acknowledgedBy?: string;
  /** Milliseconds of the current silence, while silenced (0 otherwise). */
  readonly silenceMs: number;
}

/** A new reading of the rule's signal (sent by the alert manager every evaluation). */
export interface AlertSampleEvent {
  readonly type: 'SAMPLE';
  readonly value: number;
}

/**
 * Operator events, sent by the alert manager's `acknowledge`, `clear`, `silence` and `unsilence`:
 * - `ACKNOWLEDGE` `{ by? }` — someone is on it: a firing alert becomes `acknowledged` (still
 *   firing) until it resolves. Ignored unless firing.
 * - `CLEAR` — the operator declares it over: a firing (or acknowledged) alert resolves at once, a
 *   pending one goes back to `ok`. If the signal still crosses the threshold, the next sample
 *   starts a new hold (it fires again only after the full hold).
 * - `SILENCE` `{ durationMs }` — notify no one for `durationMs` (the states go on as usual and
 *   show on status); a new `SILENCE` while silenced restarts it with the new duration.
 * - `UNSILENCE` — end the silence now.
 */
export type AlertControlEvent =
  | { readonly type: 'ACKNOWLEDGE'; readonly by?: string }
  | { readonly type: 'CLEAR' }
  | { readonly type: 'SILENCE'; readonly durationMs: number }
  | { readonly type: 'UNSILENCE' };

export type AlertEvent = AlertSampleEvent | AlertControlEvent;

const crosses = (value: number, limit: number, direction: AlertDirection): boolean =>
  direction === 'above' ? value > limit : value < limit;

const isClearOf = (value: number, limit: number, direction: AlertDirection): boolean =>
  direction === 'above' ? value <= limit : value >= limit;

/** Longest delay a timer can take (Node clamps larger ones to 1 ms). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** `active` / `clearing` of a firing alert; the same for an acknowledged one. */
const firingStates = {
  active: {
    on: {
      SAMPLE: [{ guard: 'isClear', target: 'clearing', actions: 'recordSample' }, { actions: 'recordSample' }],
    },
  },
  clearing: {
    after: { clearHoldDuration: { target: '#alert.condition.resolved' } },
    on: {
      SAMPLE: [
        { guard: 'isClear', actions: 'recordSample' },
        { target: 'active', actions: 'recordSample' },
      ],
    },
  },
} as const;

/**
 * One alert rule's lifecycle, in two parallel regions.
 *
 * `condition`: `ok → pending → firing → resolved`, and `acknowledged` (a firing alert someone
 * acknowledged; it is still firing):
 *
 * - `ok` / `resolved`: a sample that crosses the threshold starts `pending`.
 * - `pending`: the threshold must stay crossed for the `holdDuration`; any sample back on the
 *   good side of the threshold returns to `ok` (as Prometheus' `for:` does).
 * - `firing.active`: a sample clear of the `clearThreshold` starts `firing.clearing`.
 * - `firing.clearing`: the value must stay clear for the `clearHoldDuration` to resolve; a
 *   sample back beyond the clear threshold returns to `firing.active`.
 * - `ACKNOWLEDGE` moves `firing.active`/`firing.clearing` to `acknowledged.active`/
 *   `acknowledged.clearing`, which behave the same; the acknowledgement ends when it resolves.
 * - `CLEAR` resolves a firing or acknowledged alert at once, and returns a pending one to `ok`.
 *
 * `silence`: `audible`, or `silenced` for the `silenceDuration` of a `SILENCE` (restarted by
 * another `SILENCE`, ended early by `UNSILENCE`). A silenced alert changes state as usual; the
 * manager notifies no one meanwhile.
 *
 * Pure: the alert manager (`src/status/alerts/`) samples the signal, runs the actor on the
 * injected clock and reports transitions.
 */
export const alertMachine = setup({
  types: {
    context: {} as AlertContext,
    events: {} as AlertEvent,
    input: {} as AlertInput,
  },
  actions: {
    recordSample: assign({ value: ({ event }) => (event.type === 'SAMPLE' ? event.value : null) }),
    recordAcknowledgement: assign({
      acknowledgedBy: ({ event }) => (event.type === 'ACKNOWLEDGE' ? event.by : undefined),
    }),
    forgetAcknowledgement: assign({ acknowledgedBy: undefined }),
    recordSilence: assign({ silenceMs: ({ event }) => (event.type === 'SILENCE' ? Math.max(0, event.durationMs) : 0) }),
    endSilence: assign({ silenceMs: 0 }),
  },
  guards: {
    isBreaching: ({ context, event }) =>
      event.type === 'SAMPLE' && crosses(event.value, context.threshold, context.direction),
    isClear: ({ context, event }) =>
      event.type === 'SAMPLE' && isClearOf(event.value, context.clearThreshold, context.direction),
  },
  delays: {
    holdDuration: ({ context }) => context.holdMs,
    clearHoldDuration: ({ context }) => context.clearHoldMs,
    silenceDuration: ({ context }) => Math.min(context.silenceMs, MAX_DELAY_MS),
  },
}).createMachine({
  id: 'alert',
  context: ({ input }) => ({
    rule: input.rule,
    threshold: input.threshold,
    clearThreshold: input.clearThreshold ?? input.threshold,
    direction: input.direction ?? 'above',
    holdMs: input.holdMs,
    clearHoldMs: input.clearHoldMs ?? input.holdMs,
    value: null,
    silenceMs: 0,
  }),
  type: 'parallel',
  states: {
    condition: {
      initial: 'ok',
      states: {
        ok: {
          on: {
            SAMPLE: [{ guard: 'isBreaching', target: 'pending', actions: 'recordSample' }, { actions: 'recordSample' }],
          },
        },
        pending: {
          after: { holdDuration: { target: 'firing' } },
          on: {
            SAMPLE: [{ guard: not('isBreaching'), target: 'ok', actions: 'recordSample' }, { actions: 'recordSample' }],
            CLEAR: { target: 'ok' },
          },
        },
        firing: {
          initial: 'active',
          states: {
            active: {
              ...firingStates.active,
              on: {
                ...firingStates.active.on,
                ACKNOWLEDGE: { target: '#alert.condition.acknowledged.active', actions: 'recordAcknowledgement' },
              },
            },
            clearing: {
              ...firingStates.clearing,
              on: {
                ...firingStates.clearing.on,
                ACKNOWLEDGE: { target: '#alert.condition.acknowledged.clearing', actions: 'recordAcknowledgement' },
              },
            },
          },
          on: { CLEAR: { target: 'resolved' } },
        },
        acknowledged: {
          initial: 'active',
          exit: 'forgetAcknowledgement',
          states: firingStates,
          on: { CLEAR: { target: 'resolved' } },
        },
        resolved: {
          on: {
            SAMPLE: [{ guard: 'isBreaching', target: 'pending', actions: 'recordSample' }, { actions: 'recordSample' }],
          },
        },
      },
    },
    silence: {
      initial: 'audible',
      states: {
        audible: {
          on: { SILENCE: { target: 'silenced', actions: 'recordSilence' } },
        },
        silenced: {
          after: { silenceDuration: { target: 'audible', actions: 'endSilence' } },
          on: {
            SILENCE: { target: 'silenced', reenter: true, actions: 'recordSilence' },
            UNSILENCE: { target: 'audible', actions: 'endSilence' },
          },
        },
      },
    },
  },
});
