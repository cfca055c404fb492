// HTTP: /health /live /ready /metrics /status /dashboard, as a handler for the embedder's server (node:http, Express, Fastify) or a server of its own.
export {
  createStatorHandler,
  handlerOptionsOf,
  DEFAULT_PREFIX,
  type StatorHandler,
  type StatorHandlerOptions,
} from './handler.js';
export {
  startStatorServer,
  serverOptionsOf,
  DEFAULT_PORT,
  type StatorServer,
  type StatorServerOptions,
} from './server.js';
export { statorExpress, type StatorMiddleware } from './adapters/express.js';
export { statorFastify, type StatorFastifyPlugin, type FastifyLike } from './adapters/fastify.js';
export type { EndpointAccess, EndpointPermission, AccessOutcome } from './access/endpoint-access.js';
export type { ShowDetails } from './access/show-details.js';
export type { ConnectionLimits } from './connection-limits.js';
export type { ObservedStator, HealthView, HealthStatus, ReadinessView, ReadinessBlocker } from './observed-stator.js';
export { readinessOf } from './routes/ready-route.js';
