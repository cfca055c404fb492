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

/** Which credential an attempt uses: each has its own buckets, so bad API keys never lock a password out. */
export type LoginBucket = 'password' | 'api_key';

/** A reserved attempt: end it with {@link LoginLimiter.failed} or {@link LoginLimiter.succeeded}. */
export interface LoginAttempt {
  readonly bucket: LoginBucket;
  readonly principal: string;
  readonly source: string | undefined;
}

/**
 * Failed-login limits per principal and per source, one set of buckets per credential kind
 * (passwords, API keys). An attempt reserves a failure slot in each bucket **before** its
 * credential is checked ({@link reserve}, synchronous, so concurrent attempts cannot all pass a
 * check that only counts finished ones): at most `maxFailures` attempts of one principal are ever
 * verified per window, so 60 concurrent wrong passwords cost 5 scrypt runs, and a burst of wrong
 * passwords with the right one among them cannot log in past the limit. A successful login clears
 * the principal's failures, not the source's (a source that guesses many names and gets one right
 * is still suspicious).
 */
export class LoginLimiter {
  private readonly byPrincipal: FailureWindow;
  private readonly bySource: FailureWindow;

  public constructor(clock: Clock, limits: LoginLimits) {
    this.byPrincipal = new FailureWindow(clock, {
      maxFailures: limits.maxFailures,
      windowMs: limits.windowMs,
      lockoutMs: limits.lockoutMs,
    });
    this.bySource = new FailureWindow(clock, {
      maxFailures: limits.maxFailuresPerSource,
      windowMs: limits.windowMs,
      lockoutMs: limits.lockoutMs,
    });
  }

  /**
   * Reserves a failure slot for an attempt in its principal's and source's buckets.
   *
   * @throws RateLimitedError when either is locked out or has no slot left (nothing reserved then).
   */
  public reserve(bucket: LoginBucket, principal: string, source: string | undefined): LoginAttempt {
    const p = this.byPrincipal.reserve(`${bucket}:${principal}`);
    if (p > 0) throw new RateLimitedError('principal', p);
    if (source !== undefined) {
      const s = this.bySource.reserve(`${bucket}:${source}`);
      if (s > 0) {
        this.byPrincipal.release(`${bucket}:${principal}`);
        throw new RateLimitedError('source', s);
      }
    }
    return { bucket, principal, source };
  }

  /** The reserved attempt failed: its slots become failures. */
  public failed(attempt: LoginAttempt): void {
    this.byPrincipal.fail(`${attempt.bucket}:${attempt.principal}`, true);
    if (attempt.source !== undefined) this.bySource.fail(`${attempt.bucket}:${attempt.source}`, true);
  }

  /** The reserved attempt succeeded: slots released, the principal's failures forgotten. */
  public succeeded(attempt: LoginAttempt): void {
    this.byPrincipal.release(`${attempt.bucket}:${attempt.principal}`);
    this.byPrincipal.reset(`${attempt.bucket}:${attempt.principal}`);
    if (attempt.source !== undefined) this.bySource.release(`${attempt.bucket}:${attempt.source}`);
  }

  /** The reserved attempt ended without a verdict (an error): slots released, nothing counted. */
  public abandoned(attempt: LoginAttempt): void {
    this.byPrincipal.release(`${attempt.bucket}:${attempt.principal}`);
    if (attempt.source !== undefined) this.bySource.release(`${attempt.bucket}:${attempt.source}`);
  }
}
