/** Configuration: the schema, loading from YAML or code, and the embedded default. */
export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { collectSecrets } from './collect-secrets.js';
export { configSchema, type StatorConfig, type StatorConfigInput } from './schema.js';
export type { Environment } from './interpolate.js';
export { summarizeConfig, type ResourceSummary } from './config-summary.js';
// The shapes a cache or database URL is read into (`StatorConfig.cache`, `StatorConfig.database`).
export type { CacheDriverName, Sentinel, SentinelNode } from './sections/cache-url.js';
export type { DatabaseDriver, DatabaseSsl } from './sections/database-url.js';
