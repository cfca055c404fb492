import { AlertWebhookError } from '../../../errors/alert-webhook-error.js';
import { backoffDelay } from '../../../kernel/backoff.js';
import { sleep, type Clock } from '../../../kernel/clock.js';
import type { AlertStatus, AlertTransition } from '../alert-transition.js';
import { DEFAULT_NOTIFY_ON, type AlertNotifier } from './alert-notifier.js';

/** Options of {@link webhookNotifier}. */
export interface WebhookNotifierOptions {
  /** Receiver URL. Only its origin is ever printed: the path and query may carry a token. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Milliseconds before one attempt gives up. Default 5000. */
  readonly timeoutMs?: number;
  /** Attempts after the first failed one. Default 3. */
  readonly retryAttempts?: number;
  /** Milliseconds before the first retry, doubled at each retry. Default 1000. */
  readonly retryDelayMs?: number;
  readonly on?: readonly AlertStatus[];
  /** Timeouts and back-off run on this clock. */
  readonly clock: Clock;
}

/** Statuses worth retrying: the receiver may answer later. Other 4xx mean the request is wrong. */
const RETRYABLE = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * POSTs each transition as JSON (`{ alert: AlertTransition }`) to a URL, retrying server errors,
 * timeouts and network errors with exponential back-off. When every attempt failed it rejects
 * with {@link AlertWebhookError} (the alert manager logs it).
 */
export function webhookNotifier(options: WebhookNotifierOptions): AlertNotifier {
  const origin = new URL(options.url).origin;
  const attempts = 1 + (options.retryAttempts ?? 3);
  const timeoutMs = options.timeoutMs ?? 5000;
  const baseDelay = options.retryDelayMs ?? 1000;
  return {
    name: `webhook ${origin}`,
    on: options.on ?? DEFAULT_NOTIFY_ON,
    notify: async (transition: AlertTransition, signal: AbortSignal) => {
      const body = JSON.stringify({ alert: transition });
      let last = 'not sent';
      let cause: unknown;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1)
          await sleep(
            options.clock,
            backoffDelay(
              {
                kind: 'exponential',
                jitter: 'none',
                baseMs: baseDelay,
                maxMs: Number.MAX_SAFE_INTEGER,
                random: Math.random,
              },
              attempt - 1,
              0,
            ),
            signal,
          );
        const result = await post(options, body, timeoutMs, signal);
        if (result.ok) return;
        last = result.last;
        cause = result.cause;
        if (!result.retryable || signal.aborted) break;
      }
      throw new AlertWebhookError(origin, attempts, last, { cause });
    },
  };
}

interface PostResult {
  readonly ok: boolean;
  readonly retryable: boolean;
  readonly last: string;
  readonly cause?: unknown;
}

async function post(
  options: WebhookNotifierOptions,
  body: string,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<PostResult> {
  const attempt = new AbortController();
  const onStop = (): void => attempt.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  let timedOut = false;
  const timer = options.clock.setTimeout(() => {
    timedOut = true;
    attempt.abort(new Error('timeout'));
  }, timeoutMs);
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body,
      signal: attempt.signal,
    });
    await response.arrayBuffer().catch(() => undefined); // free the socket
    if (response.ok) return { ok: true, retryable: false, last: `HTTP ${response.status}` };
    return { ok: false, retryable: RETRYABLE(response.status), last: `HTTP ${response.status}` };
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      retryable: !stop.aborted,
      last: timedOut ? 'timeout' : (code ?? 'network error'),
      cause: error,
    };
  } finally {
    options.clock.clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}
