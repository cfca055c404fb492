// Every error class Stator throws, one per file. Add a line here for each new one.
export { StatorError, isStatorError, hasErrorCode } from './stator-error.js';
export { AccessDeniedError, isAccessDeniedError } from './access-denied-error.js';
export { AuthenticationFailedError, isAuthenticationFailedError } from './authentication-failed-error.js';
export { TokenInvalidError, isTokenInvalidError } from './token-invalid-error.js';
export { RateLimitedError, isRateLimitedError } from './rate-limited-error.js';
export { AuditWriteFailedError, isAuditWriteFailedError } from './audit-write-failed-error.js';
export {
  ConfigInvalidError,
  isConfigInvalidError,
  formatConfigProblem,
  type ConfigProblem,
} from './config-invalid-error.js';
export { PathOutsideBaseError, isPathOutsideBaseError } from './path-outside-base-error.js';
export { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.js';
export { OperationTimeoutError, isOperationTimeoutError } from './operation-timeout-error.js';
export { AlertWebhookError, isAlertWebhookError } from './alert-webhook-error.js';
export { CacheValueTooLargeError, isCacheValueTooLargeError } from './cache-value-too-large-error.js';
export { CacheUnavailableError, isCacheUnavailableError } from './cache-unavailable-error.js';
export { CacheUnreachableError, isCacheUnreachableError } from './cache-unreachable-error.js';
export {
  CacheValueNotSerializableError,
  isCacheValueNotSerializableError,
} from './cache-value-not-serializable-error.js';
export {
  CacheInvalidationUnsupportedError,
  isCacheInvalidationUnsupportedError,
} from './cache-invalidation-unsupported-error.js';
export { CacheKeyInvalidError, isCacheKeyInvalidError } from './cache-key-invalid-error.js';
export {
  PoolTimeoutError,
  isPoolTimeoutError,
  type PoolTimeoutDetails,
  type OldestLease,
} from './pool-timeout-error.js';
export { PoolRecoveringError, isPoolRecoveringError } from './pool-recovering-error.js';
export { PoolCreateFailedError, isPoolCreateFailedError } from './pool-create-failed-error.js';
export { PoolClosedError, isPoolClosedError } from './pool-closed-error.js';
export { TransactionTimeoutError, isTransactionTimeoutError } from './transaction-timeout-error.js';
export { TransactionRefusedError, isTransactionRefusedError } from './transaction-refused-error.js';
export { TransactionAbortedError, isTransactionAbortedError } from './transaction-aborted-error.js';
export { TransactionCommitUnknownError, isTransactionCommitUnknownError } from './transaction-commit-unknown-error.js';
export { TransactionNotActiveError, isTransactionNotActiveError } from './transaction-not-active-error.js';
export { UnknownAlertRuleError, isUnknownAlertRuleError } from './unknown-alert-rule-error.js';
export { RollbackFailedError, isRollbackFailedError } from './rollback-failed-error.js';
export { DatabaseUnreachableError, isDatabaseUnreachableError } from './database-unreachable-error.js';
export { DatabaseNotReadyError, isDatabaseNotReadyError } from './database-not-ready-error.js';
export { DatabaseDependencyError, isDatabaseDependencyError } from './database-dependency-error.js';
export { StartupError, isStartupError, type StartupFailure } from './startup-error.js';
export { DependencyCycleError, isDependencyCycleError } from './dependency-cycle-error.js';
export { UnknownDependencyError, isUnknownDependencyError } from './unknown-dependency-error.js';
export { CapabilityUnavailableError, isCapabilityUnavailableError } from './capability-unavailable-error.js';
