import { StatorError } from './stator-error.js';

/**
 * A capability (`stator.cache`, `stator.fs`, `stator.db`, `stator.breaker(name)`) was used
 * but this Stator has no such resource: it was disabled (`layers: { cache: false }`) or replaced
 * by a custom layer that provides no API; or it was used before `start()` or after `stop()`.
 */
export class CapabilityUnavailableError extends StatorError {
  public readonly code = 'CAPABILITY_UNAVAILABLE';
  public readonly isCapabilityUnavailableError = true;

  public constructor(
    /** `cache`, `fs`, `db` or `breaker`. */
    public readonly capability: string,
    /** Why, in a few words. */
    public readonly reason: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(
      `stator.${capability} is not available: ${reason}. ${options?.hint ?? 'Enable the resource that provides it, or do not use it.'}`,
      options?.cause !== undefined ? { cause: options.cause } : undefined,
    );
  }
}

/** True for a {@link CapabilityUnavailableError}, across package copies. */
export const isCapabilityUnavailableError = (e: unknown): e is CapabilityUnavailableError =>
  !!e && e instanceof Error && 'isCapabilityUnavailableError' in e;
