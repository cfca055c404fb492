import { StatorError } from './stator-error.js';

/** One resource that kept Stator from starting, and why. Built from scrubbed text only. */
export interface StartupFailure {
  /** Resource name (`cache`, `database`, ...). */
  readonly resource: string;
  /** Initialization attempts made (1 + retries). */
  readonly attempts: number;
  /** The last error's message, secrets removed. */
  readonly message: string;
  /** The last error's code, when it had one (`ECONNREFUSED`, `ETIMEDOUT`, ...). */
  readonly code?: string;
}

/**
 * `stator.start()` could not bring every required resource up. The message names each resource
 * that failed with its last error and the attempts made; {@link StartupError.failures} has the
 * same as data, and {@link StartupError.skipped} the resources that were not started because a
 * resource they depend on failed. Messages are scrubbed of secrets before they get here.
 *
 * @example
 * ```ts
 * try { await stator.start(); }
 * catch (e) {
 *   if (isStartupError(e)) for (const f of e.failures) console.error(f.resource, f.message);
 * }
 * ```
 */
export class StartupError extends StatorError {
  public readonly code = 'STARTUP_FAILED';
  public readonly isStartupError = true;

  public constructor(
    /** Every required resource that failed. Empty when the start was cut short (stop() was called). */
    public readonly failures: readonly StartupFailure[],
    /** Resources that were not started because a resource they depend on failed. */
    public readonly skipped: readonly string[] = [],
    options?: { cause?: unknown; reason?: string },
  ) {
    super(StartupError.describe(failures, skipped, options?.reason), options);
  }

  private static describe(failures: readonly StartupFailure[], skipped: readonly string[], reason?: string): string {
    if (!failures.length) return `Stator did not start: ${reason ?? 'the start was cancelled'}.`;
    const lines = failures.map((f) => {
      const attempts = f.attempts === 1 ? '1 attempt' : `${f.attempts} attempts`;
      return `  - ${f.resource}: ${f.message}${f.code ? ` (${f.code})` : ''} after ${attempts}`;
    });
    const rest = skipped.length ? `\nNot started because a resource they depend on failed: ${skipped.join(', ')}.` : '';
    const names = failures.map((f) => f.resource).join(', ');
    return (
      `Stator could not start ${names}:\n${lines.join('\n')}${rest}\n` +
      'Check that each server named above is running and reachable with the settings in its configuration ' +
      'section (host, port, credentials), raise its retry_attempts / retry_delay / timeout if it is only slow, ' +
      'or mark it `optional: true` to run degraded without it.'
    );
  }
}

/** True for a {@link StartupError}, across package copies. */
export const isStartupError = (e: unknown): e is StartupError => !!e && e instanceof Error && 'isStartupError' in e;
