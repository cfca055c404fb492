import { StatorError } from './stator-error.js';

/**
 * Credentials were refused: unknown principal, wrong password, unknown or wrong API key, or a
 * disabled principal. The message is the same for each on purpose, so that a caller cannot tell
 * which principals exist.
 */
export class AuthenticationFailedError extends StatorError {
  public readonly code = 'AUTHENTICATION_FAILED';
  public readonly isAuthenticationFailedError = true;

  public constructor(options?: { cause?: unknown }) {
    super(
      'Authentication failed: the credentials were not accepted. Check the principal and its password or API key.',
      options,
    );
  }
}

/** True for an {@link AuthenticationFailedError}, across package copies. */
export const isAuthenticationFailedError = (e: unknown): e is AuthenticationFailedError =>
  !!e && e instanceof Error && 'isAuthenticationFailedError' in e;
