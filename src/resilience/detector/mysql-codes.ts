import type { ErrorKind } from './error-kind.js';

/** MySQL/MariaDB server error numbers (mysql2's `error.errno`). */
const ERRNO: Readonly<Record<number, ErrorKind>> = Object.freeze({
  1213: 'deadlock', // ER_LOCK_DEADLOCK
  1205: 'lock-timeout', // ER_LOCK_WAIT_TIMEOUT
  1062: 'constraint', // ER_DUP_ENTRY
  1586: 'constraint', // ER_DUP_ENTRY_WITH_KEY_NAME
  1451: 'constraint', // ER_ROW_IS_REFERENCED_2
  1452: 'constraint', // ER_NO_REFERENCED_ROW_2
  1048: 'constraint', // ER_BAD_NULL_ERROR
  1364: 'constraint', // ER_NO_DEFAULT_FOR_FIELD
  3819: 'constraint', // ER_CHECK_CONSTRAINT_VIOLATED
  4025: 'constraint', // MariaDB ER_CONSTRAINT_FAILED
  1064: 'syntax', // ER_PARSE_ERROR
  1149: 'syntax', // ER_SYNTAX_ERROR
  1146: 'invalid-query', // ER_NO_SUCH_TABLE
  1054: 'invalid-query', // ER_BAD_FIELD_ERROR
  1406: 'invalid-input', // ER_DATA_TOO_LONG
  1366: 'invalid-input', // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1045: 'authentication', // ER_ACCESS_DENIED_ERROR
  1698: 'authentication', // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1044: 'permission', // ER_DBACCESS_DENIED_ERROR
  1142: 'permission', // ER_TABLEACCESS_DENIED_ERROR
  1227: 'permission', // ER_SPECIFIC_ACCESS_DENIED_ERROR
  1049: 'configuration', // ER_BAD_DB_ERROR
  1040: 'too-many-connections', // ER_CON_COUNT_ERROR
  1203: 'too-many-connections', // ER_TOO_MANY_USER_CONNECTIONS
  1226: 'too-many-connections', // ER_USER_LIMIT_REACHED
  1129: 'unavailable', // ER_HOST_IS_BLOCKED
  1053: 'connection-lost', // ER_SERVER_SHUTDOWN
  1927: 'connection-lost', // ER_CONNECTION_KILLED
  4031: 'connection-lost', // ER_CLIENT_INTERACTION_TIMEOUT
  2002: 'connection-refused', // CR_CONNECTION_ERROR
  2003: 'connection-refused', // CR_CONN_HOST_ERROR
  2006: 'connection-lost', // CR_SERVER_GONE_ERROR
  2013: 'connection-lost', // CR_SERVER_LOST
  1317: 'aborted', // ER_QUERY_INTERRUPTED
  3024: 'timeout', // ER_QUERY_TIMEOUT (MySQL max_execution_time)
  1969: 'timeout', // MariaDB ER_STATEMENT_TIMEOUT
  1290: 'read-only', // ER_OPTION_PREVENTS_STATEMENT (--read-only)
  1792: 'read-only', // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
  1021: 'no-space', // ER_DISK_FULL
  1114: 'no-space', // ER_RECORD_FILE_FULL
  1037: 'resource-exhausted', // ER_OUTOFMEMORY
  1041: 'resource-exhausted', // ER_OUT_OF_RESOURCES
});

/** mysql2's own string codes for failures that never reached the server. */
const CODES: Readonly<Record<string, ErrorKind>> = Object.freeze({
  PROTOCOL_CONNECTION_LOST: 'connection-lost',
  PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR: 'connection-lost',
  PROTOCOL_ENQUEUE_AFTER_QUIT: 'connection-lost',
  PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
  PROTOCOL_PACKETS_OUT_OF_ORDER: 'connection-lost',
  ER_CON_COUNT_ERROR: 'too-many-connections',
});

/** The kind of a MySQL/MariaDB server error number (≥ 1000), or undefined. */
export function mysqlErrnoKind(errno: number): ErrorKind | undefined {
  return ERRNO[errno];
}

/** The kind of one of mysql2's client-side string codes (`PROTOCOL_CONNECTION_LOST`), or undefined. */
export function mysqlCodeKind(code: string): ErrorKind | undefined {
  return CODES[code];
}
