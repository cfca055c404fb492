import type { Clock } from '../../kernel/clock.js';

/** The longest delay a JavaScript timer honours; longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** A signal that never aborts, for attempts with neither a timeout nor a caller's signal. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Runs one attempt of an operation. With no timeout and no caller's signal, it is just
 * `fn(signal)`. Otherwise the attempt gets its own `AbortSignal`, aborted when the caller's
 * signal aborts or when `timeoutMs` runs out on `clock` (with the error `onTimeout()` makes), and
 * the returned promise settles at that moment even if `fn` ignores its signal.
 */
export function runAttempt<T>(
  clock: Clock,
  fn: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  if (!(timeoutMs > 0) && signal === undefined) return fn(NEVER_ABORTED);
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let timer: unknown;
    let settled = false;
    const finish = (): void => {
      settled = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (reason: unknown): void => {
      if (settled) return;
      finish();
      controller.abort(reason);
      reject(reason);
    };
    const onAbort = (): void => fail(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) timer = clock.setTimeout(() => fail(onTimeout()), Math.min(timeoutMs, MAX_TIMER_MS));
    let pending: Promise<T>;
    try {
      pending = fn(controller.signal);
    } catch (error) {
      fail(error);
      return;
    }
    pending.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        finish();
        reject(error);
      },
    );
  });
}
