import { StatorError } from './stator-error.js';

/**
 * Too many failed logins for this principal or from this source; further attempts are refused
 * without checking the password until {@link RateLimitedError.retryAfterMs} has passed.
 */
export class RateLimitedError extends StatorError {
  public readonly code = 'RATE_LIMITED';
  public readonly isRateLimitedError = true;

  public constructor(
    /** `principal` or `source`: which limit was hit. */
    public readonly limit: 'principal' | 'source',
    /** Milliseconds until an attempt is accepted again. */
    public readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Too many failed logins for this ${limit}; try again in ${Math.ceil(retryAfterMs / 1000)} s ` +
        '(limits are in security.login).',
      options,
    );
  }
}

/** True for a {@link RateLimitedError}, across package copies. */
export const isRateLimitedError = (e: unknown): e is RateLimitedError =>
  !!e && e instanceof Error && 'isRateLimitedError' in e;
