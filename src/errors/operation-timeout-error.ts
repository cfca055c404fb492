import { StatorError } from './stator-error.js';

/**
 * An operation took longer than its deadline and was abandoned: one attempt through the
 * resilience pipeline past its per-attempt timeout (`error_handling.retry.attempt_timeout`, or
 * `timeoutMs` of the call: the attempt's `AbortSignal` was aborted with this error and the
 * operation is retried when retries remain), or a connect, check, acquire or rollback past the
 * resource's `timeout`. Stator's one timeout error.
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
    /** The setting that gave the timeout, named in the message. */
    setting = "error_handling.retry.attempt_timeout (or the call's timeoutMs)",
  ) {
    super(
      `${resource} operation "${operation}" got no answer within ${timeoutMs} ms and was abandoned. ` +
        `Raise ${setting} if it is legitimately slow, or check the resource.`,
    );
  }
}

/** True for an {@link OperationTimeoutError}, across package copies. */
export const isOperationTimeoutError = (e: unknown): e is OperationTimeoutError =>
  !!e && e instanceof Error && 'isOperationTimeoutError' in e;
