// Every error class Stator throws, one per file. Add a line here for each new one.
export { StatorError, isStatorError, hasErrorCode } from './stator-error.js';
export { AccessDeniedError, isAccessDeniedError } from './access-denied-error.js';
export { AuthenticationFailedError, isAuthenticationFailedError } from './authentication-failed-error.js';
export { TokenInvalidError, isTokenInvalidError } from './token-invalid-error.js';
export { RateLimitedError, isRateLimitedError } from './rate-limited-error.js';
export { AuditWriteFailedError, isAuditWriteFailedError } from './audit-write-failed-error.js';
export { ConfigInvalidError, isConfigInvalidError, formatConfigProblem, type ConfigProblem } from './config-invalid-error.js';
export { PathOutsideBaseError, isPathOutsideBaseError } from './path-outside-base-error.js';
export { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.js';
export { OperationTimeoutError, isOperationTimeoutError } from './operation-timeout-error.js';
export { AlertWebhookError, isAlertWebhookError } from './alert-webhook-error.js';
export { CacheValueTooLargeError, isCacheValueTooLargeError } from './cache-value-too-large-error.js';
export { CacheUnavailableError, isCacheUnavailableError } from './cache-unavailable-error.js';
export { CacheTimeoutError, isCacheTimeoutError } from './cache-timeout-error.js';
export { CacheValueNotSerializableError, isCacheValueNotSerializableError } from './cache-value-not-serializable-error.js';
export { CacheInvalidationUnsupportedError, isCacheInvalidationUnsupportedError } from './cache-invalidation-unsupported-error.js';
export { CacheKeyInvalidError, isCacheKeyInvalidError } from './cache-key-invalid-error.js';
