import { StatorError } from './stator-error.js';

/**
 * An alert webhook could not be delivered after every attempt. Alerts keep working and the
 * transition is still on `alerts$` and in the log; only this receiver missed it.
 */
export class AlertWebhookError extends StatorError {
  public readonly isAlertWebhookError = true;
  public readonly code = 'ALERT_WEBHOOK_FAILED';

  /**
   * @param origin the receiver's `scheme://host:port` only: the path and query may carry a token.
   * @param attempts how many deliveries were tried.
   * @param last what the last attempt got (`HTTP 503`, `timeout`, a network error's code).
   */
  public constructor(origin: string, attempts: number, last: string, options?: { cause?: unknown }) {
    super(
      `alert webhook to ${origin} failed after ${attempts} attempt(s) (last: ${last}); ` +
        'check that the receiver is up and accepts a JSON POST, or raise monitoring.webhooks[].retry_attempts',
      options,
    );
  }
}

/** True for an {@link AlertWebhookError}, across package copies. */
export const isAlertWebhookError = (e: unknown): e is AlertWebhookError =>
  !!e && e instanceof Error && 'isAlertWebhookError' in e;
