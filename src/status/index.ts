// Status: the status manager, aggregation, readiness, metrics, alerts and graceful shutdown.
export {
  StatusManager,
  type StatusSnapshot,
  type ResourceStatus,
  type ResourceBreakerStatus,
  type StatusExtension,
} from './status-manager.js';
export type { ResourceLatency, ResourceFigures } from './metrics/resource-figures.js';
export {
  aggregateStatus,
  worstOf,
  resourceStatus,
  type AggregationPolicy,
  type AggregatedResource,
  type RuntimeStatus,
  type SupervisorPhase,
} from './aggregate.js';
export { readinessOf, type ReadinessView, type ReadinessBlocker, type ReadinessInput } from './readiness.js';
export { Observability, type ObservabilityHost, type ObservabilityOptions } from './observability.js';
export { timedHealthCheck } from './slow-check.js';
export {
  gracefulShutdown,
  type Drainable,
  type ShutdownTarget,
  type ShutdownReport,
  type GracefulShutdownOptions,
} from './shutdown/graceful-shutdown.js';
export { onShutdownSignals, type ShutdownSignalOptions } from './shutdown/shutdown-signals.js';
