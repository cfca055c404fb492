/**
 * Stator's public API, and nothing else. Each export is named; read the whole surface here.
 */

// Errors
export { StatorError, isStatorError, hasErrorCode } from './errors/index.js';

// Runtime: createStator, the supervisor's status
export {
  createStator,
  type CreateStatorOptions,
  type Stator,
  type StopReport,
  type LayerFactory,
} from './runtime/index.js';
export type {
  StatusSnapshot,
  ResourceStatus,
  ResourceLatency,
  StatusExtension,
  RuntimeStatus,
  SupervisorPhase,
} from './status/index.js';
export type { SupervisedState, SupervisorFailure, RestartStrategy } from '../machines/supervisor.machine.js';
export type { AlertDirection } from '../machines/alert.machine.js';
export type { ResourceErrorInfo } from '../machines/resource.machine.js';
export {
  StartupError,
  isStartupError,
  type StartupFailure,
  DependencyCycleError,
  isDependencyCycleError,
  UnknownDependencyError,
  isUnknownDependencyError,
  UnknownAlertRuleError,
  isUnknownAlertRuleError,
  CapabilityUnavailableError,
  isCapabilityUnavailableError,
} from './errors/index.js';

// Runtime services
export {
  systemClock,
  TestClock,
  sleep,
  type Clock,
  type ResourceLayer,
  type LayerHealth,
  type LayerStartContext,
  type RuntimeContext,
} from './kernel/index.js';
// Persisted machines: save an actor with its pending delayed events, restore it with them re-armed.
export { persistMachine, restoreMachine, type PersistedMachine, type PersistedTimer } from './kernel/index.js';

// Configuration
export type { StatorConfig, StatorConfigInput } from './config/index.js';
export {
  loadConfig,
  collectSecrets,
  summarizeConfig,
  type LoadConfigOptions,
  type Environment,
  type ResourceSummary,
  type Sentinel,
  type SentinelNode,
  type DatabaseDriver,
  type DatabaseSsl,
} from './config/index.js';
export { ConfigInvalidError, isConfigInvalidError, formatConfigProblem, type ConfigProblem } from './errors/index.js';

// Filesystem
export { PathOutsideBaseError, isPathOutsideBaseError } from './errors/index.js';
export {
  createFilesystemLayer,
  type FilesystemLayer,
  type FilesystemLayerDeps,
  type StatorFs,
  type WriteFileOptions,
  type WriteData,
  type FsError,
} from './filesystem/index.js';

// Events
export { EVENT_LOG_VERSION, type StatorEvent, type EventBus } from './kernel/index.js';

// Logging
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type FileLogOptions,
  type RotationPolicy,
  SecretRegistry,
  REDACTED,
  isSecretKey,
} from './logging/index.js';

// Resilience
export {
  CircuitOpenError,
  isCircuitOpenError,
  OperationTimeoutError,
  isOperationTimeoutError,
} from './errors/index.js';
export {
  createResilience,
  classifyError,
  attemptsOf,
  type Resilience,
  type ResilienceOptions,
  type Pipeline,
  type Admission,
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
  statorExpress,
  statorFastify,
  handlerOptionsOf,
  serverOptionsOf,
  type StatorMiddleware,
  type StatorFastifyPlugin,
  type FastifyLike,
  type ShowDetails,
  type EndpointAccess,
  type EndpointPermission,
  type AccessOutcome,
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
  type AlertControls,
  type AlertMatcher,
  type AlertNotifier,
  type AlertOptions,
  type WebhookNotifierOptions,
} from './status/alerts/index.js';
export type { ReadinessBlocker, ResourceBreakerStatus } from './status/index.js';
export {
  worstOf,
  resourceStatus,
  aggregateStatus,
  type AggregationPolicy,
  type AggregatedResource,
  onShutdownSignals,
  type ShutdownSignalOptions,
  type ShutdownReport,
  type Drainable,
} from './status/index.js';
export {
  FleetReader,
  fleetSettings,
  type FleetInstance,
  type FleetSettings,
  type FleetRedis,
} from './status/fleet/index.js';

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
  type StackCapture,
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
  CacheUnreachableError,
  isCacheUnreachableError,
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
  type DriverCallback,
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
  TransactionNotActiveError,
  isTransactionNotActiveError,
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
  type TransactionHandle,
  type BeginOptions,
  type RunningTransactionInfo,
  type RunningTransactionState,
  type TransactionRecord,
  type TransactionHistoryOutcome,
  type TransactionKind,
  type TransactionBody,
  type PurgeReport,
  type IndexSuggestion,
  type InvalidationSpec,
  type IsolationLevel,
  type ExplainableQuery,
  type DbReadQuery,
  type DbReadOptions,
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
  verifyAuditSet,
  readAuditEntries,
  type AuditEntryRead,
  type AuditSetVerification,
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
  type TableAction,
  type SqlNaming,
  type DbGuardSettings,
  type DatabaseRoles,
  type FsGuardSettings,
  type CacheGuardSettings,
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
  type AuditSync,
  type AuditMirror,
  type AuditWaiter,
  type AuditEntry,
  type AuditLineEntry,
  type AuditRecord,
  type AuditVerification,
  type VerifyAuditOptions,
  type PrincipalStore,
  type PrincipalRecord,
  type RevocationStore,
} from './security/index.js';
