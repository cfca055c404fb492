import { RateLimitedError } from '../errors/rate-limited-error.js';
import type { Clock } from '../kernel/clock.js';
import { FailureWindow } from './failure-window.js';

/** `security.login`, in milliseconds. */
export interface LoginLimits {
  readonly maxFailures: number;
  readonly maxFailuresPerSource: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

/**
 * Failed-login limits per principal and per source. A locked-out principal or source is refused
 * before its password is checked (so a lockout also caps the cost of scrypt under attack). A
 * successful login clears the principal's failures, not the source's (a source that guesses many
 * names and gets one right is still suspicious).
 */
export class LoginLimiter {
  private readonly byPrincipal: FailureWindow;
  private readonly bySource: FailureWindow;

  public constructor(clock: Clock, limits: LoginLimits) {
    this.byPrincipal = new FailureWindow(clock, { maxFailures: limits.maxFailures, windowMs: limits.windowMs, lockoutMs: limits.lockoutMs });
    this.bySource = new FailureWindow(clock, { maxFailures: limits.maxFailuresPerSource, windowMs: limits.windowMs, lockoutMs: limits.lockoutMs });
  }

  /** @throws RateLimitedError when the principal or the source is locked out. */
  public check(principal: string, source: string | undefined): void {
    const p = this.byPrincipal.retryAfter(principal);
    if (p > 0) throw new RateLimitedError('principal', p);
    const s = source === undefined ? 0 : this.bySource.retryAfter(source);
    if (s > 0) throw new RateLimitedError('source', s);
  }

  /** Records a failed attempt. */
  public failed(principal: string, source: string | undefined): void {
    this.byPrincipal.fail(principal);
    if (source !== undefined) this.bySource.fail(source);
  }

  /** Records a successful login. */
  public succeeded(principal: string): void {
    this.byPrincipal.reset(principal);
  }
}
