/** Plain per-pipeline counters, read by the prom-client collectors (never `.inc()` per call). */
export interface PipelineStats {
  /** Runs that returned a value. */
  successes: number;
  /** Runs that threw (after retries), rejected calls excluded. */
  failures: number;
  /** Retries started (attempts beyond the first). */
  retries: number;
  /** Final errors by detector kind. */
  readonly errorsByKind: Map<string, number>;
}

/** Fresh, zeroed counters. */
export function createPipelineStats(): PipelineStats {
  return { successes: 0, failures: 0, retries: 0, errorsByKind: new Map() };
}
