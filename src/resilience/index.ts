/**
 * Resilience: the recovery pipeline every cache, database and filesystem operation goes through
 * (error detector → rate limiter → circuit breaker → retry → per-attempt timeout), the fallback
 * chain for reads, and breaker state shared through Redis.
 */
export { createResilience, type Resilience, type ResilienceOptions } from './resilience.js';
export type { Admission, Pipeline, PipelineOptions, RunOptions, ReadOptions } from './pipeline/pipeline.js';
export type { Served, ServedSource, FallbackStore } from './fallback/fallback-store.js';
export type { BreakerHandle, BreakerState, BreakerStateName } from './breaker/breaker-handle.js';
export { classifyError } from './detector/classify-error.js';
export type { ErrorClassification, ErrorKind } from './detector/error-kind.js';
export { attemptsOf } from './retry/attempts.js';
