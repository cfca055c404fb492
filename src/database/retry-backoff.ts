/**
 * Milliseconds to wait before retry number `retry` (1 for the first retry) of a transaction:
 * exponential from `baseMs`, capped at `maxMs`, with full jitter (a uniform draw below the cap),
 * so that transactions that deadlocked together do not collide again on the next attempt.
 */
export function retryBackoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling * random());
}
