import type { ErrorKind } from './error-kind.js';

/** Primary SQLite result codes (the part of better-sqlite3's `error.code` before any `_` extension). */
const PRIMARY: Readonly<Record<string, ErrorKind>> = Object.freeze({
  SQLITE_BUSY: 'busy',
  SQLITE_LOCKED: 'busy',
  SQLITE_CONSTRAINT: 'constraint',
  SQLITE_FULL: 'no-space',
  SQLITE_READONLY: 'read-only',
  SQLITE_CANTOPEN: 'configuration',
  SQLITE_NOTADB: 'io-error',
  SQLITE_CORRUPT: 'io-error',
  SQLITE_IOERR: 'io-error',
  SQLITE_PERM: 'permission',
  SQLITE_AUTH: 'permission',
  SQLITE_NOMEM: 'resource-exhausted',
  SQLITE_INTERRUPT: 'aborted',
  SQLITE_MISMATCH: 'invalid-input',
  SQLITE_RANGE: 'invalid-input',
  SQLITE_TOOBIG: 'invalid-input',
  SQLITE_SCHEMA: 'serialization', // the schema changed under a prepared statement: re-running works
});

/**
 * The kind of a better-sqlite3 `SqliteError` code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`,
 * `SQLITE_IOERR_WRITE`), or undefined. `SQLITE_ERROR` is split by message: syntax errors apart
 * from the rest (missing table or column).
 */
export function sqliteKind(code: string, message: string): ErrorKind | undefined {
  if (!code.startsWith('SQLITE_')) return undefined;
  if (code === 'SQLITE_ERROR')
    return /syntax error|incomplete input|unrecognized token/i.test(message) ? 'syntax' : 'invalid-query';
  const direct = PRIMARY[code];
  if (direct) return direct;
  // Extended codes: the longest known primary code that prefixes it (SQLITE_BUSY_SNAPSHOT → SQLITE_BUSY).
  for (const primary of Object.keys(PRIMARY)) {
    if (code.startsWith(`${primary}_`)) return PRIMARY[primary];
  }
  return undefined;
}
