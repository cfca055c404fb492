import type { Clock } from '../kernel/clock.js';

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * `promise`, or a rejection once `ms` pass on `clock` or `signal` aborts, whichever comes first.
 * `ms` of 0 or less: no deadline, only the signal.
 */
export function withDeadline<T>(promise: Promise<T>, clock: Clock, ms: number, signal: AbortSignal): Promise<T> {
  if (!(ms > 0)) return abortable(promise, signal);
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(new Error(`no answer within ${ms} ms`)), Math.max(0, ms));
  return abortable(promise, AbortSignal.any([signal, controller.signal])).finally(() => clock.clearTimeout(timer));
}
