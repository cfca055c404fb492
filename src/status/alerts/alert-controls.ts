import type { AlertSeverity } from './alert-rule.js';
import type { AlertState } from './alert-transition.js';

/**
 * Which alerts a silence covers: a rule name or pattern and/or a severity (all given must
 * match), or a predicate over the alert's state.
 */
export type AlertMatcher =
  { readonly rule?: string | RegExp; readonly severity?: AlertSeverity } | ((alert: AlertState) => boolean);

/**
 * `stator.alerts`: what an operator does with alerts during an incident.
 *
 * @example
 * ```ts
 * stator.alerts.acknowledge('pool_utilization', 'alice');   // someone is on it
 * stator.alerts.silence({ severity: 'warning' }, 3600);     // maintenance: notify no one for an hour
 * stator.alerts.clear('error_rate');                        // declared over; fires again after a full hold
 * ```
 */
export interface AlertControls {
  /** Every rule's current state (also in `status$` for pending and firing ones). */
  states(): AlertState[];
  /**
   * Marks a firing alert acknowledged (still firing; shown on status) until it resolves.
   * Returns false when the alert is not firing (nothing to acknowledge).
   * @throws UnknownAlertRuleError for a rule that does not exist.
   */
  acknowledge(rule: string, by?: string): boolean;
  /**
   * Resolves a firing alert now (a pending one goes back to `ok`), whatever the signal says; if
   * the signal still crosses the threshold it fires again after a full hold. Returns false when
   * it was neither pending nor firing.
   * @throws UnknownAlertRuleError for a rule that does not exist.
   */
  clear(rule: string): boolean;
  /**
   * Silences the matching alerts for `seconds`: they change state and show on `status$` as
   * usual (`alerts$` flags their transitions `silenced`), but no notifier (log, webhook,
   * callback) is told. When the silence ends, an alert still pending or firing is notified once.
   * Returns the rules silenced.
   * @throws UnknownAlertRuleError for a rule name that does not exist.
   * @throws RangeError when `seconds` is not a number greater than 0.
   */
  silence(target: string | AlertMatcher, seconds: number): string[];
  /** Ends the silence of the matching alerts now; returns the rules that were silenced. */
  unsilence(target: string | AlertMatcher): string[];
}
