import { StatorError } from './stator-error.js';

/**
 * `stator.alerts.acknowledge`, `clear`, `silence` or `unsilence` named an alert rule that does
 * not exist (a typo, or a rule that is not configured).
 *
 * @example
 * ```ts
 * try { stator.alerts.acknowledge('pool_utilisation'); }
 * catch (e) { if (isUnknownAlertRuleError(e)) console.log(e.known); }
 * ```
 */
export class UnknownAlertRuleError extends StatorError {
  public readonly code = 'ALERT_RULE_UNKNOWN';
  public readonly isUnknownAlertRuleError = true;

  public constructor(
    /** The name given. */
    public readonly rule: string,
    /** The rules that exist. */
    public readonly known: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `There is no alert rule "${rule}" (rules: ${known.join(', ') || 'none'}). Use one of these names, or a matcher.`,
      options,
    );
  }
}

/** True for an {@link UnknownAlertRuleError}, across package copies. */
export const isUnknownAlertRuleError = (e: unknown): e is UnknownAlertRuleError =>
  !!e && e instanceof Error && 'isUnknownAlertRuleError' in e;
