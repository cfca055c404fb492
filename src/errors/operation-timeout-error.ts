import { StatorError } from './stator-error.js';

/**
 * One attempt of an operation through the resilience pipeline took longer than its per-attempt
 * timeout (`error_handling.retry.attempt_timeout`, or `timeoutMs` of the call). The attempt's
 * `AbortSignal` was aborted with this error; the operation is retried when retries remain.
 */
export class OperationTimeoutError extends StatorError {
  /** Marker that survives duplicated package copies, unlike `instanceof`. */
  public readonly isOperationTimeoutError = true;
  public readonly code = 'OPERATION_TIMEOUT';

  public constructor(
    /** The resource (`cache`, `database`, `filesystem`). */
    public readonly resource: string,
    /** The operation's name as given to the pipeline. */
    public readonly operation: string,
    /** The timeout that ran out, in ms. */
    public readonly timeoutMs: number,
  ) {
    super(
      `${resource} operation "${operation}" did not finish within ${timeoutMs} ms and was abandoned. ` +
        'Raise error_handling.retry.attempt_timeout (or the call\'s timeoutMs) if it is legitimately slow, or check the resource.',
    );
  }
}

/** True for an {@link OperationTimeoutError}, across package copies. */
export const isOperationTimeoutError = (e: unknown): e is OperationTimeoutError =>
  !!e && e instanceof Error && 'isOperationTimeoutError' in e;
