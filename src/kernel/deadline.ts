import type { Clock } from './clock.js';

/*
 * Stator's one place for abort and deadline helpers: the cache drivers, the database connector,
 * transactions and the resilience pipeline all bound their waits with these.
 */

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
    if (timeoutMs > 0 && Number.isFinite(timeoutMs))
      timer = clock.setTimeout(() => fail(onTimeout()), Math.min(timeoutMs, MAX_TIMER_MS));
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

/** Options of {@link withDeadline}. */
export interface DeadlineOptions<T> {
  readonly clock: Clock;
  /** Milliseconds on `clock`; 0 or less: no deadline, only the signal. */
  readonly ms: number;
  /** The error to reject with when the time runs out (usually an `OperationTimeoutError`). */
  readonly onTimeout: () => Error;
  /** Gives up at once when it aborts (rejects with its reason). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Receives the work's value when it arrives after the caller gave up, so that a connection that
   * comes too late is closed, not leaked.
   */
  readonly late?: (value: T) => void;
}

/**
 * Settles like `work`, unless `ms` pass on `clock` first (rejects with `onTimeout()`) or `signal`
 * aborts (rejects with its reason). The work itself is not cancelled: that is the caller's part
 * (see `late`).
 *
 * @example
 * ```ts
 * const conn = await withDeadline(open(), { clock, ms: 5000, signal,
 *   onTimeout: () => new OperationTimeoutError('database', 'connect', 5000, 'database.timeout'),
 *   late: (c) => void destroy(c) });
 * ```
 */
export function withDeadline<T>(work: Promise<T>, options: DeadlineOptions<T>): Promise<T> {
  const { clock, ms, signal, late } = options;
  if (signal?.aborted) {
    work.then(late, () => undefined);
    return Promise.reject(signal.reason);
  }
  // One promise, one timer and (with a signal) one listener: no AbortController, no Promise.race.
  // A transaction's COMMIT runs through here, so this costs a timer, not a DOMException.
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: unknown;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (ms > 0) {
      timer = clock.setTimeout(
        () => {
          if (!finish()) return;
          try {
            reject(options.onTimeout());
          } catch (error) {
            reject(error);
          }
        },
        Math.min(ms, MAX_TIMER_MS),
      );
    }
    work.then(
      (value) => {
        if (finish()) resolve(value);
        else late?.(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
