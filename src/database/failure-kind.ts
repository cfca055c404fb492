import { classifyError } from '../resilience/detector/classify-error.js';
import type { ErrorKind } from '../resilience/detector/error-kind.js';

/**
 * What a database failure means for a transaction, derived from the error detector's kind
 * (`classifyError`, the one classification of driver errors in Stator):
 * - `deadlock` — PostgreSQL 40P01, MySQL 1213 (ER_LOCK_DEADLOCK);
 * - `serialization` — PostgreSQL 40001;
 * - `lock-timeout` — MySQL 1205 (ER_LOCK_WAIT_TIMEOUT; by default it rolls back only the
 *   statement, so Stator rolls back the whole transaction before retrying);
 * - `busy` — SQLite SQLITE_BUSY / SQLITE_LOCKED (another process holds the lock);
 * - `connection` — the connection broke or could not be made (server shutdown or KILL, reset,
 *   refused, a TCP timeout);
 * - `other` — anything else.
 */
export type FailureKind = 'deadlock' | 'serialization' | 'lock-timeout' | 'busy' | 'connection' | 'other';

const BY_KIND: Partial<Record<ErrorKind, FailureKind>> = {
  deadlock: 'deadlock',
  serialization: 'serialization',
  'lock-timeout': 'lock-timeout',
  busy: 'busy',
  'connection-lost': 'connection',
  'connection-refused': 'connection',
  'host-unreachable': 'connection',
};

/** Classifies `error` as a {@link FailureKind}. */
export function failureKind(error: unknown): FailureKind {
  const { kind, code } = classifyError(error);
  if (kind === 'timeout' && code === 'ETIMEDOUT') return 'connection';
  return BY_KIND[kind] ?? 'other';
}

/** Failure kinds after which the whole transaction may run again: the database rolled it back or can. */
export const CONTENTION_KINDS: ReadonlySet<FailureKind> = new Set([
  'deadlock',
  'serialization',
  'lock-timeout',
  'busy',
]);
