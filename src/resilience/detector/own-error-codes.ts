import type { ErrorKind } from './error-kind.js';

/** Codes of Stator's own errors (`StatorError.code`), so that they pass through the pipeline classified. */
export const STATOR_CODES: Readonly<Record<string, ErrorKind>> = Object.freeze({
  CIRCUIT_OPEN: 'circuit-open',
  OPERATION_TIMEOUT: 'timeout',
  POOL_TIMEOUT: 'timeout',
  POOL_RECOVERING: 'unavailable',
  TRANSACTION_TIMEOUT: 'timeout',
  CACHE_UNAVAILABLE: 'unavailable',
  CACHE_MISS: 'cache-miss',
  CACHE_VALUE_TOO_LARGE: 'invalid-input',
  PATH_OUTSIDE_BASE: 'permission',
  ACCESS_DENIED: 'permission',
  CONFIG_INVALID: 'configuration',
  STARTUP_FAILED: 'unavailable',
});
