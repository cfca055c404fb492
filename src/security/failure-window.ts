import { LRUCache } from 'lru-cache';
import type { Clock } from '../kernel/clock.js';

/** Limits of a {@link FailureWindow}. */
export interface FailureWindowLimits {
  /** Failures within `windowMs` that lock the key out. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

interface KeyState {
  failures: number[];
  lockedUntil: number;
  /** Attempts under way that may still fail: each holds a failure slot until it ends. */
  pending: number;
}

/**
 * Counts failures per key (a principal, a source address) in a sliding window on the injected
 * clock, and locks a key out for `lockoutMs` once it reaches `maxFailures`.
 *
 * Why not bottleneck: bottleneck schedules jobs (every attempt would consume the reservoir,
 * successful logins included) and refreshes its reservoir on wall-clock timers, while a login
 * limit counts only failures, must refuse at once rather than queue, and must run on the
 * injected clock so that tests can move through a lockout. This needs no timer at all: expired
 * failures are dropped when the key is next looked at.
 *
 * At most `maxKeys` keys are tracked (least recently used evicted), so rotating names cannot
 * grow memory without bound.
 */
export class FailureWindow {
  private readonly keys: LRUCache<string, KeyState>;

  public constructor(
    private readonly clock: Clock,
    private readonly limits: FailureWindowLimits,
    maxKeys = 100_000,
  ) {
    this.keys = new LRUCache({ max: maxKeys });
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  public retryAfter(key: string): number {
    const state = this.keys.get(key);
    if (!state) return 0;
    return Math.max(0, state.lockedUntil - this.clock.now());
  }

  /**
   * Reserves a failure slot for an attempt about to be checked, atomically (no await between the
   * look and the count): refused when the key is locked out, or when its failures in the window
   * plus the attempts already under way reach `maxFailures`. So at most `maxFailures` attempts are
   * ever checked per window, however many arrive at once. End each reservation with
   * {@link fail} (the slot becomes a failure) or {@link release}.
   *
   * @returns 0 when reserved, otherwise milliseconds to wait (at least 1).
   */
  public reserve(key: string): number {
    const now = this.clock.now();
    const state = this.keys.get(key) ?? { failures: [], lockedUntil: 0, pending: 0 };
    if (state.lockedUntil > now) return state.lockedUntil - now;
    state.failures = state.failures.filter((t) => t > now - this.limits.windowMs);
    if (state.failures.length + state.pending >= this.limits.maxFailures) {
      const oldest = state.failures[0];
      return Math.max(1, oldest === undefined ? this.limits.windowMs : oldest + this.limits.windowMs - now);
    }
    state.pending++;
    this.keys.set(key, state);
    return 0;
  }

  /** Ends a reservation that did not fail. */
  public release(key: string): void {
    const state = this.keys.get(key);
    if (state && state.pending > 0) state.pending--;
  }

  /** Records a failure (ending a reservation, if one is held); returns true when this failure locked the key out. */
  public fail(key: string, reserved = false): boolean {
    const now = this.clock.now();
    const state = this.keys.get(key) ?? { failures: [], lockedUntil: 0, pending: 0 };
    if (reserved && state.pending > 0) state.pending--;
    state.failures = state.failures.filter((t) => t > now - this.limits.windowMs);
    state.failures.push(now);
    this.keys.set(key, state);
    if (state.failures.length >= this.limits.maxFailures) {
      state.lockedUntil = now + this.limits.lockoutMs;
      state.failures = [];
      return true;
    }
    return false;
  }

  /** Forgets a key's failures (after a successful login); attempts still under way keep their slots. */
  public reset(key: string): void {
    const state = this.keys.get(key);
    if (!state || state.pending === 0) this.keys.delete(key);
    else {
      state.failures = [];
      state.lockedUntil = 0;
    }
  }
}
