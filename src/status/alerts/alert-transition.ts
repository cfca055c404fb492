import type { AlertSeverity } from './alert-rule.js';

/** The state of an alert as the outside sees it (the machine's `firing.active`/`firing.clearing` are both `firing`). */
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
}

/** Maps an alert machine state value to its {@link AlertStatus}. */
export function alertStatusOf(value: unknown): AlertStatus {
  const top = typeof value === 'string' ? value : value && typeof value === 'object' ? Object.keys(value)[0] : undefined;
  return top === 'pending' || top === 'firing' || top === 'resolved' ? top : 'ok';
}
