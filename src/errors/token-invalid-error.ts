import { StatorError } from './stator-error.js';

/**
 * A token was refused: bad signature, an algorithm that is not configured (including `none`),
 * expired or not yet valid, wrong issuer or audience, revoked, or its principal no longer exists.
 * The token itself is never part of the message.
 */
export class TokenInvalidError extends StatorError {
  public readonly code = 'TOKEN_INVALID';
  public readonly isTokenInvalidError = true;

  public constructor(
    /** Short reason without token contents: `expired`, `revoked`, `signature`, ... */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Token refused (${reason}). Authenticate again to get a new token.`, options);
  }
}

/** True for a {@link TokenInvalidError}, across package copies. */
export const isTokenInvalidError = (e: unknown): e is TokenInvalidError =>
  !!e && e instanceof Error && 'isTokenInvalidError' in e;
