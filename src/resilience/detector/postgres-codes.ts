import type { ErrorKind } from './error-kind.js';

/** PostgreSQL SQLSTATE codes (pg's `error.code`) that have a kind of their own. */
const EXACT: Readonly<Record<string, ErrorKind>> = Object.freeze({
  '40P01': 'deadlock',
  '40001': 'serialization',
  '55P03': 'lock-timeout',
  '57014': 'timeout', // query_canceled (statement_timeout)
  '25P03': 'timeout', // idle_in_transaction_session_timeout
  '28000': 'authentication',
  '28P01': 'authentication',
  '53300': 'too-many-connections',
  '53100': 'no-space',
  '53200': 'resource-exhausted',
  '57P01': 'connection-lost', // admin_shutdown
  '57P02': 'connection-lost', // crash_shutdown
  '57P03': 'unavailable', // cannot_connect_now (starting up)
  '57P05': 'connection-lost', // idle_session_timeout
  '42601': 'syntax',
  '42501': 'permission',
  '3D000': 'configuration', // database does not exist
  '25006': 'read-only', // read_only_sql_transaction (a standby)
  '58030': 'io-error',
  XX001: 'io-error',
  XX002: 'io-error',
});

/** SQLSTATE classes (first two characters) for codes without an exact entry. */
const CLASSES: Readonly<Record<string, ErrorKind>> = Object.freeze({
  '08': 'connection-lost', // connection exception
  '22': 'invalid-input', // data exception
  '23': 'constraint', // integrity constraint violation
  '28': 'authentication',
  '40': 'serialization', // transaction rollback
  '42': 'invalid-query', // syntax error or access rule violation
  '53': 'resource-exhausted', // insufficient resources
  '54': 'invalid-query', // program limit exceeded
  '57': 'unavailable', // operator intervention
  '58': 'io-error', // system error
  XX: 'io-error', // internal error
});

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The kind of a PostgreSQL SQLSTATE, or undefined when `code` is not one Stator knows. */
export function postgresKind(code: string): ErrorKind | undefined {
  if (!SQLSTATE.test(code)) return undefined;
  return EXACT[code] ?? CLASSES[code.slice(0, 2)];
}
