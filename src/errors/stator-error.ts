/**
 * Base class of every error Stator throws on purpose.
 *
 * Each subclass has a stable {@link StatorError.code} that callers can switch on, and a
 * message that says what happened and what to do. The original error is kept as `cause`.
 * Messages never contain secrets: build them from values that went through
 * `scrub` (see `src/logging/redact.ts`) when they may carry user input.
 */
export abstract class StatorError extends Error {
  /** Marker that survives duplicated package copies, unlike `instanceof`. */
  public readonly isStatorError = true;
  /** Stable machine-readable code, e.g. `CONFIG_INVALID`. */
  public abstract readonly code: string;

  /** `message` may be left out by a subclass that writes it on first read (see `CircuitOpenError`). */
  public constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True for any error thrown by Stator on purpose, across package copies. */
export const isStatorError = (e: unknown): e is StatorError =>
  !!e && e instanceof Error && 'isStatorError' in e && typeof (e as { code?: unknown }).code === 'string';

/** True when `e` is a Stator error with the given code. */
export const hasErrorCode = (e: unknown, code: string): boolean => isStatorError(e) && e.code === code;
