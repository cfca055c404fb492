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
}

/** A new reading of the rule's signal (sent by the alert manager every evaluation). */
export interface AlertSampleEvent {
  readonly type: 'SAMPLE';
  readonly value: number;
}

export type AlertEvent = AlertSampleEvent;

const crosses = (value: number, limit: number, direction: AlertDirection): boolean =>
  direction === 'above' ? value > limit : value < limit;

const isClearOf = (value: number, limit: number, direction: AlertDirection): boolean =>
  direction === 'above' ? value <= limit : value >= limit;

/**
 * One alert rule's lifecycle: `ok → pending → firing → resolved`.
 *
 * - `ok` / `resolved`: a sample that crosses the threshold starts `pending`.
 * - `pending`: the threshold must stay crossed for the `holdDuration`; any sample back on the
 *   good side of the threshold returns to `ok` (as Prometheus' `for:` does).
 * - `firing.active`: a sample clear of the `clearThreshold` starts `firing.clearing`.
 * - `firing.clearing`: the value must stay clear for the `clearHoldDuration` to resolve; a
 *   sample back beyond the clear threshold returns to `firing.active`.
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
    recordSample: assign({ value: ({ event }) => event.value }),
  },
  guards: {
    isBreaching: ({ context, event }) => crosses(event.value, context.threshold, context.direction),
    isClear: ({ context, event }) => isClearOf(event.value, context.clearThreshold, context.direction),
  },
  delays: {
    holdDuration: ({ context }) => context.holdMs,
    clearHoldDuration: ({ context }) => context.clearHoldMs,
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
  }),
  initial: 'ok',
  states: {
    ok: {
      on: {
        SAMPLE: [
          { guard: 'isBreaching', target: 'pending', actions: 'recordSample' },
          { actions: 'recordSample' },
        ],
      },
    },
    pending: {
      after: { holdDuration: { target: 'firing' } },
      on: {
        SAMPLE: [
          { guard: not('isBreaching'), target: 'ok', actions: 'recordSample' },
          { actions: 'recordSample' },
        ],
      },
    },
    firing: {
      initial: 'active',
      states: {
        active: {
          on: {
            SAMPLE: [
              { guard: 'isClear', target: 'clearing', actions: 'recordSample' },
              { actions: 'recordSample' },
            ],
          },
        },
        clearing: {
          after: { clearHoldDuration: { target: '#alert.resolved' } },
          on: {
            SAMPLE: [
              { guard: 'isClear', actions: 'recordSample' },
              { target: 'active', actions: 'recordSample' },
            ],
          },
        },
      },
    },
    resolved: {
      on: {
        SAMPLE: [
          { guard: 'isBreaching', target: 'pending', actions: 'recordSample' },
          { actions: 'recordSample' },
        ],
      },
    },
  },
});
