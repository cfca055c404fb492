import type { BreakerState } from './metrics-snapshot.js';
import type { Series } from './series.js';

/**
 * How the metrics collector recognizes what the capabilities register on `ctx.metrics`
 * (names `stator_<capability>_<what>_<unit>`). A capability that follows these shapes shows up
 * in `metrics$`, in the alerts and in `/status` without any wiring:
 *
 * | figure | shape |
 * |---|---|
 * | latency | histogram or summary named `*_seconds`, labels `resource`, `operation` |
 * | operations | counter `*_operations_total` / `*_requests_total` / `*_calls_total` / `*_queries_total` (else the latency counts) |
 * | errors | counter `*_errors_total` / `*_failures_total`, label `kind` |
 * | cache | counters `stator_cache_hits_total` and `stator_cache_misses_total` (or one counter with `result="hit"|"miss"`) |
 * | pool | gauge `*_connections{state}` (idle, busy, others add to the total), `*_pending_acquires`, `*_max_connections`, or `layer.details().pool` |
 * | breaker | gauge `*_breaker_state` (0 closed, 1 halfOpen, 2 open, 3 isolated; or one-hot by `state` label) or `layer.details().breaker` |
 *
 * A series names its resource with a `resource` (or `pool`, `breaker`, `name`) label; without
 * one, the capability part of its name is used (`stator_cache_...` → `cache`).
 */
export const LATENCY_SUFFIX = '_seconds';
const OPERATION_COUNTERS = /_(operations|requests|calls|queries|commands)_total$/;
/** Counters of a subset of operations (`slow_queries_total`), never the whole. */
const PARTIAL_COUNTERS = /_(slow|unknown)_/;
const ERROR_COUNTERS = /_(errors|failures)_total$/;
const POOL_STATES = ['idle', 'busy', 'total', 'pending', 'max'] as const;
/** Pool figures a gauge can carry; `other` is a connection state that only adds to the total. */
export type PoolField = (typeof POOL_STATES)[number] | 'other';
/** Order of the numeric encoding of breaker states. */
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'halfOpen', 'open', 'isolated'];

/** The resource a series belongs to. */
export function resourceOf(series: Series): string {
  const l = series.labels;
  return l.resource ?? l.pool ?? l.breaker ?? l.name ?? capabilityOf(series.family);
}

/** `stator_cache_get_duration_seconds` → `cache`. */
export function capabilityOf(family: string): string {
  const parts = family.split('_');
  return parts[0] === 'stator' && parts[1] ? parts[1] : family;
}

/** True for a histogram or summary that measures a duration. */
export function isLatency(series: Series): boolean {
  return (series.type === 'histogram' || series.type === 'summary') && series.family.endsWith(LATENCY_SUFFIX);
}

/** The operation a latency series measures. */
export function operationOf(series: Series): string {
  const l = series.labels;
  const named = l.operation ?? l.op ?? l.command ?? l.method;
  if (named) return named;
  const cap = capabilityOf(series.family);
  return series.family.replace(new RegExp(`^stator_${cap}_`), '').replace(/_duration_seconds$|_seconds$/, '') || 'all';
}

export const isOperationCounter = (s: Series): boolean =>
  s.type === 'counter' && OPERATION_COUNTERS.test(s.family) && !PARTIAL_COUNTERS.test(s.family);
export const isErrorCounter = (s: Series): boolean =>
  s.type === 'counter' && ERROR_COUNTERS.test(s.family) && !PARTIAL_COUNTERS.test(s.family);

/**
 * Several capabilities may count the same calls (the resilience pipeline and the cache both
 * count cache errors). Per resource, one family is used: the resilience pipeline's when there is
 * one (it sees every call, retries and breaker rejections included), else the one with the
 * largest count. Lower ranks win.
 */
export const familyRank = (family: string): number => (family.startsWith('stator_resilience_') ? 0 : 1);

/** The kind of error a counter sample counts. */
export const errorKindOf = (s: Series): string => s.labels.kind ?? s.labels.code ?? s.labels.type ?? 'error';

/** `hit`, `miss` or undefined for a cache counter sample. */
export function cacheResultOf(s: Series): 'hit' | 'miss' | undefined {
  if (s.type !== 'counter' || capabilityOf(s.family) !== 'cache') return undefined;
  const result = s.labels.result;
  if (result === 'hit' || result === 'miss') return result;
  if (/_hits_total$/.test(s.family)) return 'hit';
  if (/_misses_total$/.test(s.family)) return 'miss';
  return undefined;
}

/** Which pool figure a gauge sample carries, if any. */
export function poolFieldOf(s: Series): PoolField | undefined {
  if (s.type !== 'gauge') return undefined;
  if (s.family.endsWith('_max_connections')) return 'max';
  if (s.family.endsWith('_connections')) {
    const state = s.labels.state;
    if (state === undefined) return undefined;
    // Other states (creating, validating, retiring) count towards the total only.
    return (POOL_STATES as readonly string[]).includes(state) ? (state as PoolField) : 'other';
  }
  const m = /_connections_(idle|busy|total|max)$/.exec(s.family) ?? /_(pending)_acquires$/.exec(s.family);
  return m ? (m[1] as PoolField) : undefined;
}

/** The breaker state a gauge sample reports, if it is a breaker gauge. */
export function breakerStateOf(s: Series): BreakerState | undefined {
  if (s.type !== 'gauge' || !s.family.endsWith('_breaker_state')) return undefined;
  const named = s.labels.state as BreakerState | undefined;
  if (named) return BREAKER_STATES.includes(named) && s.value === 1 ? named : undefined;
  return BREAKER_STATES[Math.round(s.value)];
}
