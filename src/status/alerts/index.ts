// Alerts: one alert machine per rule, fed by metrics snapshots, reported on alerts$ and to notifiers.
export { AlertManager } from './alert-manager.js';
export type { AlertControls, AlertMatcher } from './alert-controls.js';
export { createAlertManager, type AlertOptions } from './create-alert-manager.js';
export type { AlertRule, AlertSeverity } from './alert-rule.js';
export { alertStatusOf, type AlertStatus, type AlertState, type AlertTransition } from './alert-transition.js';
export { builtinRules } from './builtin-rules.js';
export { metricRule, matchingValues, parseSeriesKey, type AlertRuleConfig } from './metric-rule.js';
export { DEFAULT_NOTIFY_ON, type AlertNotifier } from './notifiers/alert-notifier.js';
export { loggerNotifier } from './notifiers/logger-notifier.js';
export { webhookNotifier, type WebhookNotifierOptions } from './notifiers/webhook-notifier.js';
export { callbackNotifier } from './notifiers/callback-notifier.js';
