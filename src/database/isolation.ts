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

/** The statement to run before COMMIT/ROLLBACK to undo what {@link beginStatements} set on the connection. */
export function endStatement(dialect: Dialect, readOnly: boolean): string | undefined {
  return dialect === 'sqlite' && readOnly ? 'PRAGMA query_only = OFF' : undefined;
}
