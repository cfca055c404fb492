// The pool capability's public entry: a generic pool of connection machines, and its knex seam.
export { createPool } from './create-pool.js';
export type { Pool, AcquireOptions, CloseOptions } from './pool.js';
export type { Lease } from './lease.js';
export type { ConnectionFactory } from './connection-factory.js';
export type { PoolOptions } from './pool-options.js';
export type { StackCapture } from './stack-sampler.js';
export type { ConnectionPoolStats, PoolState } from './pool-stats.js';
export type { PurgeReport } from './purge.js';
export { toTarnPool, type TarnPoolAdapter, type TarnAdapterOptions } from './tarn-adapter.js';
export { knexConnectionFactory, type KnexRawClient, type KnexRawConnection } from './knex-connection-factory.js';
export { captureAcquireSite, runWithAcquireSite, type AcquireSite, type StackTop } from './acquire-site.js';
