import type { AlertSeverity } from './alert-rule.js';

/**
 * The state of an alert as the outside sees it: the machine's `condition` region, where
 * `firing.active`/`firing.clearing` and `acknowledged.*` are all `firing`.
 */
export type AlertStatus = 'ok' | 'pending' | 'firing' | 'resolved';

/** One entry of `stator.alerts$`: an alert changed state. */
export interface AlertTransition {
  readonly rule: string;
  readonly from: AlertStatus;
  readonly to: AlertStatus;
  /** The signal's value that caused the transition (for a hold that elapsed: the last value). */
  readonly value: number | null;
  readonly threshold: number;
  readonly severity: AlertSeverity;
  /** Clock time of the transition, in milliseconds. */
  readonly time: number;
  readonly description?: string;
  /** True when the alert was silenced at the time: notifiers were not told (see `AlertManager.silence`). */
  readonly silenced?: boolean;
}

/** An alert's current state, for the status snapshot. */
export interface AlertState {
  readonly rule: string;
  readonly status: AlertStatus;
  /** Clock time since which it is in this status. */
  readonly since: number;
  readonly value: number | null;
  readonly threshold: number;
  readonly severity: AlertSeverity;
  readonly description?: string;
  /** Firing and acknowledged (`AlertManager.acknowledge`); `acknowledgedBy` says by whom when given. */
  readonly acknowledged?: boolean;
  readonly acknowledgedBy?: string;
  /** Clock time until which it is silenced: it changes state as usual, notifies no one. */
  readonly silencedUntil?: number;
}

/** Maps an alert machine state value to its {@link AlertStatus}. */
export function alertStatusOf(value: unknown): AlertStatus {
  const condition =
    value && typeof value === 'object' && 'condition' in value ? (value as { condition: unknown }).condition : value;
  const top =
    typeof condition === 'string'
      ? condition
      : condition && typeof condition === 'object'
        ? Object.keys(condition)[0]
        : undefined;
  if (top === 'acknowledged') return 'firing';
  return top === 'pending' || top === 'firing' || top === 'resolved' ? top : 'ok';
}

/** Whether an alert machine state value is acknowledged / silenced. */
export function alertFlagsOf(value: unknown): { acknowledged: boolean; silenced: boolean } {
  const v = (value && typeof value === 'object' ? value : {}) as { condition?: unknown; silence?: unknown };
  const acknowledged = !!v.condition && typeof v.condition === 'object' && 'acknowledged' in v.condition;
  return { acknowledged, silenced: v.silence === 'silenced' };
}
