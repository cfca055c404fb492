import { Counter, Gauge, type Registry } from 'prom-client';
import type { ResourcePipeline } from './pipeline/resource-pipeline.js';

const STATES = ['closed', 'open', 'halfOpen', 'isolated'] as const;

/**
 * Registers the resilience metrics on `registry`. Values are read from the pipelines' plain
 * counters when Prometheus scrapes (prom-client `collect()`), so the hot path never calls
 * `.inc()`:
 * - `stator_resilience_calls_total{resource,outcome}` outcome = success | failure | rejected
 * - `stator_resilience_retries_total{resource}`
 * - `stator_resilience_errors_total{resource,kind}` final errors by detector kind
 * - `stator_resilience_unknown_errors_total` errors the detector did not recognise
 * - `stator_resilience_fallbacks_total{resource,source}` source = cache | local | default | none
 * - `stator_resilience_breaker_state{resource,state}` 1 for the current state
 * - `stator_resilience_breaker_transitions_total{resource,state}` transitions into each state
 * - `stator_resilience_limiter_jobs{resource,phase}` phase = queued | running
 */
export function registerResilienceMetrics(
  registry: Registry,
  pipelines: () => Iterable<ResourcePipeline>,
  unknownErrors: () => number,
): void {
  const register: Register = (name, make) => {
    if (!registry.getSingleMetric(name)) make();
  };
  registerCallMetrics(register, registry, pipelines);
  registerOutcomeMetrics(register, registry, pipelines, unknownErrors);
  registerStateMetrics(register, registry, pipelines);
}

/** Registers a metric unless the registry has one by that name (a second Stator on one registry). */
type Register = (name: string, make: () => unknown) => void;

/** Calls by outcome, retries, final errors by kind. */
function registerCallMetrics(
  register: Register,
  registry: Registry,
  pipelines: () => Iterable<ResourcePipeline>,
): void {
  register(
    'stator_resilience_calls_total',
    () =>
      new Counter({
        name: 'stator_resilience_calls_total',
        help: 'Calls through the resilience pipeline by outcome (success, failure after retries, rejected by the breaker).',
        labelNames: ['resource', 'outcome'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of pipelines()) {
            this.inc({ resource: p.resource, outcome: 'success' }, p.stats.successes);
            this.inc({ resource: p.resource, outcome: 'failure' }, p.stats.failures);
            this.inc({ resource: p.resource, outcome: 'rejected' }, p.breaker.rejected);
          }
        },
      }),
  );
  register(
    'stator_resilience_retries_total',
    () =>
      new Counter({
        name: 'stator_resilience_retries_total',
        help: 'Retries started (attempts beyond the first).',
        labelNames: ['resource'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of pipelines()) this.inc({ resource: p.resource }, p.stats.retries);
        },
      }),
  );
  register(
    'stator_resilience_errors_total',
    () =>
      new Counter({
        name: 'stator_resilience_errors_total',
        help: "Final errors of calls through the pipeline, by the error detector's kind.",
        labelNames: ['resource', 'kind'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of pipelines())
            for (const [kind, n] of p.stats.errorsByKind) this.inc({ resource: p.resource, kind }, n);
        },
      }),
  );
}

/** Errors the detector did not recognise, and what the fallback chain answered. */
function registerOutcomeMetrics(
  register: Register,
  registry: Registry,
  pipelines: () => Iterable<ResourcePipeline>,
  unknownErrors: () => number,
): void {
  register(
    'stator_resilience_unknown_errors_total',
    () =>
      new Counter({
        name: 'stator_resilience_unknown_errors_total',
        help: 'Errors the detector did not recognise (each distinct one is logged once in full).',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(unknownErrors());
        },
      }),
  );
  register(
    'stator_resilience_fallbacks_total',
    () =>
      new Counter({
        name: 'stator_resilience_fallbacks_total',
        help: 'Failed reads answered by a fallback strategy (source), or by none.',
        labelNames: ['resource', 'source'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of pipelines()) {
            const c = p.fallback.counts;
            for (const source of ['cache', 'local', 'default'] as const)
              this.inc({ resource: p.resource, source }, c.served[source]);
            this.inc({ resource: p.resource, source: 'none' }, c.missed);
          }
        },
      }),
  );
}

/** Breaker states and transitions, and the rate limiters' jobs. */
function registerStateMetrics(
  register: Register,
  registry: Registry,
  pipelines: () => Iterable<ResourcePipeline>,
): void {
  register(
    'stator_resilience_breaker_state',
    () =>
      new Gauge({
        name: 'stator_resilience_breaker_state',
        help: "Circuit breaker state: 1 for the current state of each resource's breaker.",
        labelNames: ['resource', 'state'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of pipelines())
            for (const state of STATES) this.set({ resource: p.resource, state }, p.breaker.state === state ? 1 : 0);
        },
      }),
  );
  register(
    'stator_resilience_breaker_transitions_total',
    () =>
      new Counter({
        name: 'stator_resilience_breaker_transitions_total',
        help: 'Circuit breaker transitions into each state.',
        labelNames: ['resource', 'state'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of pipelines())
            for (const state of STATES) this.inc({ resource: p.resource, state }, p.breaker.transitions[state]);
        },
      }),
  );
  register(
    'stator_resilience_limiter_jobs',
    () =>
      new Gauge({
        name: 'stator_resilience_limiter_jobs',
        help: 'Jobs of the rate limiter in this process: waiting (queued) or running.',
        labelNames: ['resource', 'phase'],
        registers: [registry],
        collect() {
          this.reset();
          for (const p of pipelines()) {
            const counts = p.limiter?.counts();
            if (!counts) continue;
            this.set({ resource: p.resource, phase: 'queued' }, counts.queued);
            this.set({ resource: p.resource, phase: 'running' }, counts.running);
          }
        },
      }),
  );
}
