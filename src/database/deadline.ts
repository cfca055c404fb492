import { sleep, type Clock } from '../kernel/clock.js';

/** Rejection value of {@link withDeadline} when the time runs out. */
export class DeadlineExceeded extends Error {
  public constructor(public readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/**
 * Settles like `work`, unless `ms` pass on `clock` first (rejects with {@link DeadlineExceeded}) or
 * `signal` aborts (rejects with its reason). When `work` finishes after the caller gave up, `late`
 * receives its value, so that a connection that arrives too late is closed, not leaked.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  clock: Clock,
  signal?: AbortSignal,
  late?: (value: T) => void,
): Promise<T> {
  let winner: 'pending' | 'work' | 'other' = 'pending';
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const guarded = work.then(
    (value) => {
      if (winner === 'other') late?.(value);
      else winner = 'work';
      return value;
    },
    (error: unknown) => {
      if (winner === 'pending') winner = 'work';
      return Promise.reject(error);
    },
  );
  const timer = sleep(clock, ms, stop.signal).then(
    () => {
      if (winner === 'pending') winner = 'other';
      return Promise.reject(new DeadlineExceeded(ms));
    },
    (reason: unknown) => {
      if (winner === 'pending') winner = 'other';
      return Promise.reject(reason);
    },
  );
  guarded.catch(() => undefined);
  timer.catch(() => undefined);
  return Promise.race([guarded, timer]).finally(() => {
    signal?.removeEventListener('abort', onAbort);
    if (!stop.signal.aborted) stop.abort();
  });
}
