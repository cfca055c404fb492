/** How delays grow between attempts. */
export type BackoffKind = 'constant' | 'linear' | 'exponential';
/**
 * How delays are randomised so that many clients do not retry in lockstep: `full` draws below
 * the delay, `spread` within ±20% of it (a reconnecting pool keeps its pace), `decorrelated`
 * grows from the previous delay.
 */
export type JitterKind = 'none' | 'full' | 'spread' | 'decorrelated';

/**
 * Stator's one back-off, in ms: retries of calls, transaction retries, the pool's recovery probes
 * and webhook deliveries all compute their delays with {@link backoffDelay}.
 */
export interface Backoff {
  readonly kind: BackoffKind;
  readonly jitter: JitterKind;
  /** `delay`: the base of every formula. */
  readonly baseMs: number;
  /** `max_delay`: no delay is longer. */
  readonly maxMs: number;
  /** Uniform random numbers in [0, 1). */
  readonly random: () => number;
}

/** The longest delay a JavaScript timer honours; longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Doubling stops here: 2^64 × any base is past any cap, and the arithmetic stays finite. */
const MAX_EXPONENT = 64;

/**
 * The delay before retry number `retry` (1 for the first retry), in ms.
 *
 * With base `d` (`delay`), cap `c` (`max_delay`), `r` uniform in [0, 1):
 * - shape: constant `d`; linear `d × n`; exponential `d × 2^(n − 1)`;
 * - jitter `none`: `min(c, shape(n))`;
 * - jitter `full` ("full jitter"): `r × min(c, shape(n))`;
 * - jitter `spread`: `(0.8 + 0.4 × r) × min(c, shape(n))`;
 * - jitter `decorrelated` ("decorrelated jitter"): `min(c, d + r × (3 × previous − d))`, where
 *   `previous` is the delay returned for the previous retry (`d` before the first). It grows by
 *   itself, so it ignores `kind`.
 *
 * The result is always finite and within `[0, c]` (and `c` within a timer's 2^31 − 1 ms): no NaN
 * at attempt 10,000, no Infinity, whatever the inputs.
 */
export function backoffDelay(backoff: Backoff, retry: number, previousMs: number): number {
  const base = finiteOr(backoff.baseMs, 0);
  const cap = Math.min(MAX_TIMER_MS, Math.max(0, finiteOr(backoff.maxMs, base)));
  if (base <= 0 || cap === 0) return 0;
  const n = Math.max(1, Math.floor(finiteOr(retry, 1)));
  const r = clampUnit(backoff.random());
  if (backoff.jitter === 'decorrelated') {
    const previous = Math.min(cap, Math.max(base, finiteOr(previousMs, base)));
    const upper = Math.max(base, 3 * previous);
    return Math.min(cap, base + r * (upper - base));
  }
  const shaped =
    backoff.kind === 'constant'
      ? base
      : backoff.kind === 'linear'
        ? base * n
        : base * 2 ** Math.min(n - 1, MAX_EXPONENT);
  const capped = Math.min(cap, shaped);
  if (backoff.jitter === 'full') return r * capped;
  return backoff.jitter === 'spread' ? (0.8 + 0.4 * r) * capped : capped;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

function clampUnit(value: number): number {
  if (!(value >= 0)) return 0; // NaN too
  return value >= 1 ? 0.9999999999999999 : value;
}
