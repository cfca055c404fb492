import type { TransactionLogEntry } from './transaction-log.js';

/** How a transaction was started: `stator.db.transaction(fn)` or `stator.db.begin()`. */
export type TransactionKind = 'callback' | 'handle';

/** The transaction machine's state, as `stator.db.transactions()` reports it. */
export type RunningTransactionState = 'active' | 'committing' | 'rollingBack' | 'retrying';

/** One running top-level transaction, as `stator.db.transactions()` lists it. */
export interface RunningTransactionInfo {
  /** The id on the event log (`transaction.<id>`) and in the history. */
  readonly id: number;
  readonly kind: TransactionKind;
  readonly state: RunningTransactionState;
  /** Milliseconds since it began (on the runtime's clock). */
  readonly ageMs: number;
  /** Clock time (ms) it began. */
  readonly startedAt: number;
  /** The attempt running (1 for the first). */
  readonly attempt: number;
  /** Statements run so far in this attempt, BEGIN included. */
  readonly statements: number;
  /** The `name` option given, if any. */
  readonly name?: string;
  /** Who began it: the first frame of the caller's code (`file:line:column`), when known. */
  readonly begunAt?: string;
}

/** How a transaction ended, in the history. */
export type TransactionHistoryOutcome = 'committed' | 'rolled_back' | 'timed_out' | 'aborted' | 'commit_unknown';

/** One finished transaction in `stator.db.history()`. */
export interface TransactionRecord {
  readonly id: number;
  readonly kind: TransactionKind;
  readonly outcome: TransactionHistoryOutcome;
  /** Attempts made (more than 1 after deadlock retries). */
  readonly attempts: number;
  /** Clock times (ms) it began and ended. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly durationMs: number;
  /** The statements of the last attempt: shapes without values, durations, rows, error codes. */
  readonly log: readonly TransactionLogEntry[];
  /** Why it did not commit (the error's message, secrets scrubbed). */
  readonly error?: string;
  readonly name?: string;
  readonly begunAt?: string;
}
