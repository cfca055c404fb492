// HTTP: /health /live /ready /metrics /status, as a handler for the embedder's server or a server of its own.
export { createStatorHandler, type StatorHandler, type StatorHandlerOptions } from './handler.js';
export { startStatorServer, type StatorServer, type StatorServerOptions } from './server.js';
export type { ObservedStator, HealthView, HealthStatus, ReadinessView, ReadinessBlocker } from './observed-stator.js';
export { readinessOf } from './routes/ready-route.js';
