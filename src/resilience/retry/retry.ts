import { sleep, type Clock } from '../../kernel/clock.js';
import { classifyError } from '../detector/classify-error.js';
import type { ErrorClassification } from '../detector/error-kind.js';
import { attachAttempts } from './attempts.js';
import { backoffDelay } from '../../kernel/backoff.js';
import type { RetryPolicy } from './retry-policy.js';

/** What the pipeline learns from, and may veto in, a retry loop. */
export interface RetryHooks {
  /** Called before sleeping ahead of attempt number `attempt` (2 for the first retry). */
  onRetry(attempt: number, delayMs: number, error: unknown, classification: ErrorClassification): void;
  /** True to stop retrying now (the breaker opened meanwhile). */
  giveUp(): boolean;
}

/**
 * The retry loop, entered after the first attempt failed with `first` (so a call that succeeds
 * at once never pays for it). Retries only transient kinds, up to `maxAttempts` attempts in all,
 * sleeping {@link backoffDelay} on `clock` in between; a sleep that would end past `maxTotalMs`
 * is not started. An abort of `signal` cuts the sleep short and rejects with the signal's reason.
 * When the budget runs out, the last error is rethrown as it is, with `attempts` attached.
 *
 * @param attempt runs one more attempt; receives the ms left in the total budget (0 = no cap).
 */
export async function retryAfterFailure<T>(
  clock: Clock,
  policy: RetryPolicy,
  first: unknown,
  startedAt: number,
  signal: AbortSignal | undefined,
  attempt: (remainingMs: number) => Promise<T>,
  hooks: RetryHooks,
): Promise<T> {
  let error = first;
  let attempts = 1;
  let previous = policy.backoff.baseMs;
  for (;;) {
    const classification = classifyError(error);
    if (!classification.transient || attempts >= policy.maxAttempts || signal?.aborted || hooks.giveUp()) {
      attachAttempts(error, attempts);
      throw error;
    }
    const delay = backoffDelay(policy.backoff, attempts, previous);
    previous = delay;
    let remaining = 0;
    if (policy.maxTotalMs > 0) {
      remaining = policy.maxTotalMs - (clock.now() - startedAt) - delay;
      if (remaining <= 0) {
        attachAttempts(error, attempts);
        throw error;
      }
    }
    hooks.onRetry(attempts + 1, delay, error, classification);
    await sleep(clock, delay, signal);
    attempts++;
    try {
      return await attempt(policy.maxTotalMs > 0 ? policy.maxTotalMs - (clock.now() - startedAt) : 0);
    } catch (next) {
      error = next;
    }
  }
}
