import { StatorError } from './stator-error.js';

/**
 * A call was refused because the circuit breaker of its resource is open (after too many
 * failures), half-open with its trial slots taken, or isolated by hand. Nothing was sent to the
 * resource. {@link CircuitOpenError.retryAt} says when the breaker will try again.
 *
 * An open breaker refuses every call at once, so this error is built on a hot path: its message
 * is written on first read (`message`, `stack`, `String(error)`, a logger), not when it is
 * thrown. It reads the same either way, and can be replaced by assignment as any message can.
 *
 * @example
 * ```ts
 * try { await stator.db.knex('users'); } catch (e) {
 *   if (isCircuitOpenError(e)) res.setHeader('Retry-After', Math.ceil(((e.retryAt ?? Date.now()) - Date.now()) / 1000));
 * }
 * ```
 */
export class CircuitOpenError extends StatorError {
  /** Marker that survives duplicated package copies, unlike `instanceof`. */
  public readonly isCircuitOpenError = true;
  public readonly code = 'CIRCUIT_OPEN';

  public constructor(
    /** The breaker's name (its resource). */
    public readonly breaker: string,
    /** The breaker's state when it refused: `open`, `halfOpen` or `isolated`. */
    public readonly state: 'open' | 'halfOpen' | 'isolated',
    /** Clock time (ms) at which the breaker tries the resource again; absent while isolated. */
    public readonly retryAt?: number,
  ) {
    // No message here: the prototype's accessor writes it when it is first read.
    super(undefined);
  }
}

// `message` as an accessor of the prototype: built from the fields on first read, then kept as
// the instance's own property (as Error's constructor would have set it: writable, not enumerable).
Object.defineProperty(CircuitOpenError.prototype, 'message', {
  configurable: true,
  enumerable: false,
  get(this: CircuitOpenError): string {
    const message = messageFor(this.breaker, this.state, this.retryAt);
    ownMessage(this, message);
    return message;
  },
  set(this: CircuitOpenError, message: string) {
    ownMessage(this, message);
  },
});

function ownMessage(error: CircuitOpenError, message: string): void {
  Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true, enumerable: false });
}

function messageFor(breaker: string, state: 'open' | 'halfOpen' | 'isolated', retryAt?: number): string {
  if (state === 'isolated') {
    return `The circuit breaker of "${breaker}" is isolated by hand, so the call was not attempted. Call stator.breaker('${breaker}').reset() to resume.`;
  }
  if (state === 'halfOpen') {
    return `The circuit breaker of "${breaker}" is half-open and testing the resource, so the call was not attempted. Retry in a moment.`;
  }
  const when = retryAt !== undefined && Number.isFinite(retryAt) ? ` until ${new Date(retryAt).toISOString()}` : '';
  return `The circuit breaker of "${breaker}" is open after repeated failures of the resource, so the call was not attempted; calls are refused${when}. Check the resource's health, or retry after that time.`;
}

/** True for a {@link CircuitOpenError}, across package copies. */
export const isCircuitOpenError = (e: unknown): e is CircuitOpenError =>
  !!e && e instanceof Error && 'isCircuitOpenError' in e;
