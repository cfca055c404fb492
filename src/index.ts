/**
 * Stator's public API, and nothing else. Each export is named; read the whole surface here.
 */

// Errors
export { StatorError, isStatorError, hasErrorCode } from './errors/index.js';

// Runtime: createStator, the supervisor's status
export { createStator, type CreateStatorOptions } from './runtime/create-stator.js';
export type { Stator, StopReport } from './runtime/stator.js';
export type { LayerFactory } from './runtime/layer-factory.js';
export type { StatusSnapshot, ResourceStatus, StatusExtension } from './status/status-manager.js';
export type { RuntimeStatus, SupervisorPhase } from './status/aggregate.js';
export type { SupervisedState, SupervisorFailure, RestartStrategy } from '../machines/supervisor.machine.js';
export type { ResourceErrorInfo } from '../machines/resource.machine.js';
export {
  StartupError,
  isStartupError,
  type StartupFailure,
  DependencyCycleError,
  isDependencyCycleError,
  UnknownDependencyError,
  isUnknownDependencyError,
  CapabilityUnavailableError,
  isCapabilityUnavailableError,
} from './errors/index.js';

// Runtime services
export { systemClock, TestClock, sleep, type Clock } from './kernel/clock.js';
export type { ResourceLayer, LayerHealth, LayerStartContext } from './kernel/layer.js';
export type { RuntimeContext } from './kernel/context.js';

// Configuration
export type { StatorConfig, StatorConfigInput } from './config/schema.js';
export {
  loadConfig,
  collectSecrets,
  summarizeConfig,
  type LoadConfigOptions,
  type Environment,
  type ResourceSummary,
} from './config/index.js';
export { ConfigInvalidError, isConfigInvalidError, formatConfigProblem, type ConfigProblem } from './errors/index.js';

// Filesystem
export { PathOutsideBaseError, isPathOutsideBaseError } from './errors/index.js';
export {
  createFilesystemLayer,
  type FilesystemLayer,
  type StatorFs,
  type WriteFileOptions,
  type WriteData,
  type FsError,
} from './filesystem/index.js';

// Events
export { EVENT_LOG_VERSION, type StatorEvent } from './kernel/event-bus.js';

// Logging
export { createLogger, type Logger, type LoggerOptions } from './logging/logger.js';
export { SecretRegistry, REDACTED, isSecretKey } from './logging/redact.js';

// Resilience
export { CircuitOpenError, isCircuitOpenError, OperationTimeoutError, isOperationTimeoutError } from './errors/index.js';
export {
  createResilience,
  classifyError,
  attemptsOf,
  type Resilience,
  type ResilienceOptions,
  type Pipeline,
  type PipelineOptions,
  type RunOptions,
  type ReadOptions,
  type Served,
  type ServedSource,
  type FallbackStore,
  type BreakerHandle,
  type BreakerState,
  type BreakerStateName,
  type ErrorClassification,
  type ErrorKind,
} from './resilience/index.js';

// Observability: metrics snapshots, alerts, HTTP endpoints
export { AlertWebhookError, isAlertWebhookError } from './errors/index.js';
export {
  createStatorHandler,
  startStatorServer,
  type StatorHandler,
  type StatorHandlerOptions,
  type StatorServer,
  type StatorServerOptions,
  type ObservedStator,
  type HealthView,
  type HealthStatus,
  type ReadinessView,
} from './http/index.js';
export type {
  MetricsSnapshot,
  LatencyStats,
  PoolStats,
  ErrorStats,
  ResourceErrorStats,
  CacheStats,
  BreakerStats,
} from './status/metrics/index.js';
export {
  callbackNotifier,
  webhookNotifier,
  loggerNotifier,
  type AlertRule,
  type AlertSeverity,
  type AlertStatus,
  type AlertState,
  type AlertTransition,
  type AlertNotifier,
  type AlertOptions,
  type WebhookNotifierOptions,
} from './status/alerts/index.js';
export type { ReadinessBlocker, ResourceBreakerStatus } from './status/index.js';
export { worstOf, resourceStatus, aggregateStatus, type AggregationPolicy, type AggregatedResource } from './status/aggregate.js';
export { onShutdownSignals, type ShutdownSignalOptions } from './status/shutdown/shutdown-signals.js';
export type { ShutdownReport, Drainable } from './status/shutdown/graceful-shutdown.js';

// Pool
export {
  PoolTimeoutError,
  isPoolTimeoutError,
  PoolRecoveringError,
  isPoolRecoveringError,
  PoolCreateFailedError,
  isPoolCreateFailedError,
  PoolClosedError,
  isPoolClosedError,
  type PoolTimeoutDetails,
  type OldestLease,
} from './errors/index.js';
export {
  createPool,
  toTarnPool,
  knexConnectionFactory,
  type Pool,
  type Lease,
  type PoolOptions,
  type ConnectionPoolStats,
  type PoolState,
  type AcquireOptions,
  type CloseOptions,
  type ConnectionFactory,
  type TarnPoolAdapter,
  type TarnAdapterOptions,
  type KnexRawClient,
  type KnexRawConnection,
} from './pool/index.js';

// Cache
export {
  CacheValueTooLargeError,
  isCacheValueTooLargeError,
  CacheUnavailableError,
  isCacheUnavailableError,
  CacheValueNotSerializableError,
  isCacheValueNotSerializableError,
  CacheInvalidationUnsupportedError,
  isCacheInvalidationUnsupportedError,
  CacheKeyInvalidError,
  isCacheKeyInvalidError,
} from './errors/index.js';
export {
  createCacheLayer,
  jsonSerializer,
  type CacheLayer,
  type CacheLayerOptions,
  type StatorCache,
  type CacheSetOptions,
  type CacheEntryInput,
  type CacheGetOrSetOptions,
  type CacheLoader,
  type CacheLoaderContext,
  type CacheInvalidation,
  type CacheInvalidationResult,
  type CacheSerializer,
  type CacheDriver,
  type CacheDriverName,
  type DriverEntry,
  type NodeObserver,
  type NodeSignal,
  type CacheNodeStatus,
} from './cache/index.js';

// Database
export {
  TransactionTimeoutError,
  isTransactionTimeoutError,
  TransactionRefusedError,
  isTransactionRefusedError,
  TransactionAbortedError,
  isTransactionAbortedError,
  TransactionCommitUnknownError,
  isTransactionCommitUnknownError,
  DatabaseUnreachableError,
  isDatabaseUnreachableError,
  DatabaseNotReadyError,
  isDatabaseNotReadyError,
  DatabaseDependencyError,
  isDatabaseDependencyError,
  RollbackFailedError,
  isRollbackFailedError,
} from './errors/index.js';
export {
  createDatabaseLayer,
  queryShape,
  type DatabaseLayer,
  type DatabaseLayerDeps,
  type StatorDb,
  type TransactionOptions,
  type TransactionAttempt,
  type TransactionResult,
  type TransactionLogEntry,
  type InvalidationSpec,
  type IsolationLevel,
  type ExplainableQuery,
  type QueryPlanReport,
  type Dialect,
} from './database/index.js';

// Security: authentication, authorization, guarded access, audit log
export {
  AccessDeniedError,
  isAccessDeniedError,
  AuthenticationFailedError,
  isAuthenticationFailedError,
  TokenInvalidError,
  isTokenInvalidError,
  RateLimitedError,
  isRateLimitedError,
  AuditWriteFailedError,
  isAuditWriteFailedError,
} from './errors/index.js';
export {
  createSecurity,
  Security,
  Authenticator,
  Authorizer,
  ALL_SCOPES,
  ANONYMOUS,
  compileScopeGlob,
  hashPassword,
  verifyPassword,
  generateApiKey,
  hashApiKey,
  AuditLog,
  GENESIS_HASH,
  verifyAuditLog,
  KnexPrincipalStore,
  secureStator,
  guardAccess,
  sqlAccess,
  type SecurableStator,
  type SecuredStator,
  type GuardedAccess,
  type GuardTargets,
  type GuardOptions,
  type SqlAccess,
  type CreateSecurityOptions,
  type Subject,
  type AuthResult,
  type Credentials,
  type PasswordCredentials,
  type ApiKeyCredentials,
  type Decision,
  type AuthorizationRules,
  type AccessRequest,
  type Principal,
  type AttributeValue,
  type Policy,
  type PolicyConditions,
  type RoleDefinition,
  type AttributeMatch,
  type TimeWindow,
  type Day,
  type PasswordHashOptions,
  type AuditLogOptions,
  type AuditMirror,
  type AuditEntry,
  type AuditRecord,
  type AuditVerification,
  type PrincipalStore,
  type PrincipalRecord,
  type RevocationStore,
} from './security/index.js';
