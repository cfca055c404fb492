import type { Logger } from '../../../logging/logger.js';
import type { AlertTransition } from '../alert-transition.js';
import type { AlertNotifier } from './alert-notifier.js';

/**
 * Writes every alert transition to the log: `firing` as a warning (an error when critical),
 * the others as info. This is the "in the log" of every alert, on by default.
 */
export function loggerNotifier(logger: Logger): AlertNotifier {
  return {
    name: 'logger',
    on: ['pending', 'firing', 'resolved', 'ok'],
    notify: (t: AlertTransition) => {
      const level = t.to === 'firing' ? (t.severity === 'critical' ? 'error' : 'warn') : 'info';
      logger.log(
        level,
        `alert ${t.rule} ${t.from} -> ${t.to} (value ${formatValue(t.value)}, threshold ${t.threshold})`,
        {
          alert: t.rule,
          from: t.from,
          to: t.to,
          value: t.value,
          threshold: t.threshold,
          severity: t.severity,
        },
      );
    },
  };
}

function formatValue(v: number | null): string {
  return v === null ? 'none' : Number.isInteger(v) ? String(v) : v.toFixed(3);
}
