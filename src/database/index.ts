/**
 * The database capability: `stator.db` (knex on Stator's pool, transactions with deadlock retry
 * and timeouts, the query optimizer) and the database resource layer.
 */
export { createDatabaseLayer, type DatabaseLayer, type DatabaseLayerDeps } from './database-layer.js';
export type {
  StatorDb,
  TransactionOptions,
  TransactionAttempt,
  TransactionResult,
  InvalidationSpec,
  IsolationLevel,
  ExplainableQuery,
  DbReadQuery,
  DbReadOptions,
} from './database-api.js';
export type { TransactionLogEntry } from './transaction-log.js';
export type { TransactionHandle, BeginOptions } from './transaction-handle.js';
export type { TransactionBody } from './transaction-session.js';
export type {
  RunningTransactionInfo,
  RunningTransactionState,
  TransactionRecord,
  TransactionHistoryOutcome,
  TransactionKind,
} from './transaction-info.js';
export type { PurgeReport } from '../pool/purge.js';
export type { QueryPlanReport, IndexSuggestion } from './query-plan-report.js';
export type { Dialect } from './dialect.js';
export type { DatabaseConnection } from './database-connection.js';
export type { Connector } from './connector.js';
export type { DatabasePool } from './database-pool.js';
export { queryShape } from './query-shape.js';
