import type { RuntimeContext } from '../../kernel/context.js';
import { AlertManager } from './alert-manager.js';
import type { AlertRule } from './alert-rule.js';
import { builtinRules } from './builtin-rules.js';
import { metricRule } from './metric-rule.js';
import type { AlertNotifier } from './notifiers/alert-notifier.js';
import { loggerNotifier } from './notifiers/logger-notifier.js';
import { webhookNotifier } from './notifiers/webhook-notifier.js';

/** Alerts an embedder adds in code, on top of those from the configuration. */
export interface AlertOptions {
  /** More rules (over any signal of a metrics snapshot). */
  readonly rules?: readonly AlertRule[];
  /** More notifiers, such as {@link callbackNotifier}. */
  readonly notifiers?: readonly AlertNotifier[];
  /** Leave out the built-in `pool_utilization`, `error_rate` and `latency_p95` rules. */
  readonly builtinRules?: boolean;
}

/**
 * The alert manager of a Stator instance: the built-in rules on the `monitoring` thresholds,
 * `monitoring.rules`, and `options.rules`; notifiers: the log, each of `monitoring.webhooks`
 * (their URLs and headers registered as secrets), and `options.notifiers`.
 */
export function createAlertManager(ctx: RuntimeContext, options: AlertOptions = {}): AlertManager {
  const m = ctx.config.monitoring;
  const defaults = { hold: m.alert_hold, clearHold: m.alert_clear_hold ?? m.alert_hold };
  const rules: AlertRule[] = [
    ...(options.builtinRules === false ? [] : builtinRules(m)),
    ...m.rules.map((r) => metricRule(r, defaults)),
    ...(options.rules ?? []),
  ];
  const notifiers: AlertNotifier[] = [loggerNotifier(ctx.logger)];
  for (const hook of m.webhooks) {
    ctx.secrets.add(hook.url);
    for (const v of Object.values(hook.headers ?? {})) ctx.secrets.add(v);
    notifiers.push(
      webhookNotifier({
        url: hook.url,
        ...(hook.headers ? { headers: hook.headers } : {}),
        timeoutMs: hook.timeout * 1000,
        retryAttempts: hook.retry_attempts,
        retryDelayMs: hook.retry_delay * 1000,
        on: hook.on,
        clock: ctx.clock,
      }),
    );
  }
  notifiers.push(...(options.notifiers ?? []));
  return new AlertManager(ctx, rules, notifiers);
}
