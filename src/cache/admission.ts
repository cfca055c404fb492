import type { Admission, Pipeline } from '../resilience/index.js';

/** What {@link admitCall} answers when the breaker refused the call: why. */
export class RefusedCall {
  public constructor(public readonly error: unknown) {}
}

/**
 * Lets one cache call into the `cache` pipeline without a promise of the pipeline's own
 * ({@link Pipeline.admit}). Answers the {@link Admission} to report the outcome to; a
 * {@link RefusedCall} when the breaker refused it (the caller falls back or fails, as `run`/`read`
 * would have); `undefined` when there is no pipeline or it cannot admit synchronously (the caller
 * goes through `run`/`read`).
 */
export function admitCall(pipeline: Pipeline | undefined, operation: string): Admission | RefusedCall | undefined {
  if (!pipeline) return undefined;
  try {
    return pipeline.admit(operation);
  } catch (error) {
    return new RefusedCall(error);
  }
}
