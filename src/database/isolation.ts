import type { Dialect } from './dialect.js';
import type { IsolationLevel } from './transaction-options.js';

const SQL_LEVEL: Readonly<Record<IsolationLevel, string>> = {
  READ_UNCOMMITTED: 'READ UNCOMMITTED',
  READ_COMMITTED: 'READ COMMITTED',
  REPEATABLE_READ: 'REPEATABLE READ',
  SERIALIZABLE: 'SERIALIZABLE',
};

/**
 * The statements that begin a transaction with `level` and `readOnly`, per dialect:
 * - PostgreSQL: `BEGIN TRANSACTION ISOLATION LEVEL <level> [READ ONLY]`.
 * - MySQL/MariaDB: `SET TRANSACTION ISOLATION LEVEL <level>` (applies to the next transaction),
 *   then `START TRANSACTION [READ ONLY]`.
 * - SQLite: always serializable, so the level only picks the locking: a write transaction takes
 *   the write lock at once (`BEGIN IMMEDIATE`, so it cannot deadlock with another process when it
 *   upgrades); a read-only one begins `DEFERRED` and sets `PRAGMA query_only` (reset before it ends).
 */
export function beginStatements(dialect: Dialect, level: IsolationLevel, readOnly: boolean): readonly string[] {
  // Looked up per transaction: nested plain objects, no key string to build and hash.
  const byLevel = (planned[dialect] ??= {});
  const modes = (byLevel[level] ??= {});
  const mode = readOnly ? 'readOnly' : 'readWrite';
  return (modes[mode] ??= Object.freeze(plan(dialect, level, readOnly)));
}

/** The statements per dialect, level and access mode: a few dozen at most, built once each. */
const planned: Partial<
  Record<Dialect, Partial<Record<IsolationLevel, { readOnly?: readonly string[]; readWrite?: readonly string[] }>>>
> = {};

function plan(dialect: Dialect, level: IsolationLevel, readOnly: boolean): string[] {
  switch (dialect) {
    case 'postgresql':
      return [`BEGIN TRANSACTION ISOLATION LEVEL ${SQL_LEVEL[level]}${readOnly ? ' READ ONLY' : ''}`];
    case 'mysql':
      return [
        `SET TRANSACTION ISOLATION LEVEL ${SQL_LEVEL[level]}`,
        readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION',
      ];
    case 'sqlite':
      return readOnly ? ['BEGIN DEFERRED', 'PRAGMA query_only = ON'] : ['BEGIN IMMEDIATE'];
  }
}

/**
 * MySQL/MariaDB at the configured level (`transaction.isolation_level`): the connection's session
 * takes that level once, and from then on each transaction begins in one round trip instead of
 * two (`SET TRANSACTION` applies to the next transaction only, so it costs a round trip each time).
 * Other levels keep {@link beginStatements}, which leave the session as it was.
 */
export interface SessionBegin {
  readonly level: IsolationLevel;
  /** On a connection whose session is not known to be at `level`: sets it, then begins. */
  readonly setting: readonly string[];
  /** On a connection whose session is at `level`: begins; the level is named in a comment (for the log). */
  readonly set: readonly string[];
}

/** The {@link SessionBegin} of `level` on MySQL/MariaDB; undefined on the other dialects (one statement begins there). */
export function sessionBegin(dialect: Dialect, level: IsolationLevel, readOnly: boolean): SessionBegin | undefined {
  if (dialect !== 'mysql') return undefined;
  const modes = (sessionPlanned[level] ??= {});
  const mode = readOnly ? 'readOnly' : 'readWrite';
  return (modes[mode] ??= Object.freeze({
    level,
    setting: Object.freeze([
      `SET SESSION TRANSACTION ISOLATION LEVEL ${SQL_LEVEL[level]}`,
      readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION',
    ]),
    set: Object.freeze([
      `${readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION'} /* ISOLATION LEVEL ${SQL_LEVEL[level]} */`,
    ]),
  }));
}

const sessionPlanned: Partial<Record<IsolationLevel, { readOnly?: SessionBegin; readWrite?: SessionBegin }>> = {};

/**
 * A statement that may change the session's isolation level (`SET SESSION TRANSACTION ...`,
 * `SET [SESSION] transaction_isolation = ...`, `tx_isolation`): after one, the session's level is
 * not known any more. `SET TRANSACTION` (the next transaction only) does not match.
 */
export const SESSION_ISOLATION_CHANGE =
  /^\s*set\b[\s\S]*\b(?:session\s+transaction|tx_isolation|transaction_isolation)\b/i;

/** The statement to run before COMMIT/ROLLBACK to undo what {@link beginStatements} set on the connection. */
export function endStatement(dialect: Dialect, readOnly: boolean): string | undefined {
  return dialect === 'sqlite' && readOnly ? 'PRAGMA query_only = OFF' : undefined;
}
