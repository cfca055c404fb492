/**
 * What went wrong, as the error detector names it. Each kind carries three decisions
 * (`KIND_TRAITS`): whether a retry may help, whether it says something about the health
 * of the resource (and so counts against its circuit breaker), and whether a fallback may
 * answer a read in its place.
 */
export type ErrorKind =
  | 'connection-refused'
  | 'connection-lost'
  | 'host-unreachable'
  | 'timeout'
  | 'authentication'
  | 'too-many-connections'
  | 'unavailable'
  | 'resource-exhausted'
  | 'deadlock'
  | 'serialization'
  | 'lock-timeout'
  | 'busy'
  | 'constraint'
  | 'syntax'
  | 'invalid-query'
  | 'invalid-input'
  | 'permission'
  | 'not-found'
  | 'no-space'
  | 'read-only'
  | 'io-error'
  | 'configuration'
  | 'cache-miss'
  | 'cache-failure'
  | 'circuit-open'
  | 'aborted'
  | 'unknown';

/** The detector's verdict on one error. */
export interface ErrorClassification {
  readonly kind: ErrorKind;
  /** False when nothing about the error was recognised (it is then logged once, in full). */
  readonly known: boolean;
  /** A retry may succeed (connection trouble, timeouts, deadlocks, busy servers). */
  readonly transient: boolean;
  /** Says the resource is unhealthy: counts against its circuit breaker. */
  readonly countsAsFailure: boolean;
  /** A read that failed this way may be answered by the fallback chain. */
  readonly fallbackAllowed: boolean;
  /** The driver code that decided it (`40P01`, `1213`, `SQLITE_BUSY`, `ECONNREFUSED`, `NOAUTH`), when there was one. */
  readonly code?: string;
}

type Traits = Pick<ErrorClassification, 'transient' | 'countsAsFailure' | 'fallbackAllowed'>;

const t = (transient: boolean, countsAsFailure: boolean, fallbackAllowed: boolean): Traits =>
  Object.freeze({ transient, countsAsFailure, fallbackAllowed });

/**
 * The decisions of each kind. Reasoning, in short:
 * - connection trouble, timeouts and overloaded servers: transient, unhealthy, fallback allowed;
 * - contention (deadlock, serialization, lock wait, SQLite busy): transient, but the resource is
 *   healthy, so it does not count against the breaker;
 * - the caller's own mistakes (constraint, syntax, bad input, permission, not found): never
 *   retried, never counted, never hidden behind a stale value;
 * - broken setup (authentication, configuration, disk full, read-only, I/O): not transient, but
 *   the resource is unusable, so it counts and a fallback may answer;
 * - an unknown error: not retried (a retry could repeat a side effect), counted (it may be the
 *   resource), and not hidden behind a fallback (it may be a bug).
 */
export const KIND_TRAITS: Readonly<Record<ErrorKind, Traits>> = Object.freeze({
  'connection-refused': t(true, true, true),
  'connection-lost': t(true, true, true),
  'host-unreachable': t(true, true, true),
  timeout: t(true, true, true),
  authentication: t(false, true, true),
  'too-many-connections': t(true, true, true),
  unavailable: t(true, true, true),
  'resource-exhausted': t(true, true, true),
  deadlock: t(true, false, true),
  serialization: t(true, false, true),
  'lock-timeout': t(true, false, true),
  busy: t(true, false, true),
  constraint: t(false, false, false),
  syntax: t(false, false, false),
  'invalid-query': t(false, false, false),
  'invalid-input': t(false, false, false),
  permission: t(false, false, false),
  'not-found': t(false, false, false),
  'no-space': t(false, true, true),
  'read-only': t(false, true, true),
  'io-error': t(false, true, true),
  configuration: t(false, true, true),
  'cache-miss': t(false, false, false),
  'cache-failure': t(false, true, true),
  'circuit-open': t(false, false, true),
  aborted: t(false, false, false),
  unknown: t(false, true, false),
});

const plain = new Map<ErrorKind, ErrorClassification>();
const withCode = new Map<ErrorKind, Map<string, ErrorClassification>>();
const MAX_CODES_PER_KIND = 512;

/** The (frozen, shared) classification of `kind`, optionally naming the driver code that decided it. */
export function classificationOf(kind: ErrorKind, code?: string): ErrorClassification {
  if (code === undefined) {
    let found = plain.get(kind);
    if (!found) plain.set(kind, (found = Object.freeze({ kind, known: kind !== 'unknown', ...KIND_TRAITS[kind] })));
    return found;
  }
  let codes = withCode.get(kind);
  if (!codes) withCode.set(kind, (codes = new Map()));
  let found = codes.get(code);
  if (!found) {
    found = Object.freeze({ kind, known: kind !== 'unknown', ...KIND_TRAITS[kind], code });
    if (codes.size < MAX_CODES_PER_KIND) codes.set(code, found);
  }
  return found;
}
