import type { AlertStatus, AlertTransition } from '../alert-transition.js';
import { DEFAULT_NOTIFY_ON, type AlertNotifier } from './alert-notifier.js';

/**
 * Calls `fn` with each transition (by default `firing` and `resolved`; pass `on` for others).
 *
 * @example
 * ```ts
 * createStator({ alerts: { notifiers: [callbackNotifier((t) => pager.page(t.rule))] } });
 * ```
 */
export function callbackNotifier(
  fn: (transition: AlertTransition) => void | Promise<void>,
  on: readonly AlertStatus[] = DEFAULT_NOTIFY_ON,
): AlertNotifier {
  return { name: 'callback', on, notify: (t) => fn(t) };
}
