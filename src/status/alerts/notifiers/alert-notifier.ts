import type { AlertStatus, AlertTransition } from '../alert-transition.js';

/**
 * Somewhere alert transitions go besides `alerts$`: the log, a webhook, a callback. A notifier
 * that throws or rejects is logged and otherwise ignored: a broken receiver never stops the
 * alerts.
 */
export interface AlertNotifier {
  /** For the log line when it fails (`logger`, `webhook https://hooks.example.com`, `callback`). */
  readonly name: string;
  /** The transitions it is given (by their `to`). Default: `firing` and `resolved`. */
  readonly on?: readonly AlertStatus[];
  /** Delivers one transition; `signal` aborts when Stator stops. */
  notify(transition: AlertTransition, signal: AbortSignal): void | Promise<void>;
}

/** The transitions a notifier wants when it does not say. */
export const DEFAULT_NOTIFY_ON: readonly AlertStatus[] = ['firing', 'resolved'];
