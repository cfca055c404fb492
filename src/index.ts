/**
 * Stator's public API, and nothing else. Each export is named; read the whole surface here.
 */

// Errors
export { StatorError, isStatorError, hasErrorCode } from './errors/index.js';

// Runtime services
export { systemClock, TestClock, sleep, type Clock } from './runtime/clock.js';
export type { ResourceLayer, LayerHealth, LayerStartContext } from './runtime/layer.js';
export type { RuntimeContext } from './runtime/context.js';

// Configuration
export type { StatorConfig, StatorConfigInput } from './config/schema.js';

// Events
export { EVENT_LOG_VERSION, type StatorEvent } from './events/event-bus.js';

// Logging
export { createLogger, type Logger, type LoggerOptions } from './logging/logger.js';

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
