import { BREAKER_STATES } from './metric-conventions.js';
import type { BreakerState, BreakerStats, PoolStats } from './metrics-snapshot.js';

/** A resource whose `details()` the collector reads (a `ResourceLayer` fits). */
export interface DetailsSource {
  readonly name: string;
  details?(): Readonly<Record<string, unknown>>;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Pool figures from `details().pool` (`{ total, idle, busy, pending, max? }`; `size`/`free`/`used`/
 * `waiting` are accepted as tarn's names). Undefined when the object has none of them.
 */
export function poolFromDetails(resource: string, details: Readonly<Record<string, unknown>>): PoolStats | undefined {
  const pool = obj(details.pool);
  if (!pool) return undefined;
  const idle = num(pool.idle) ?? num(pool.free);
  const busy = num(pool.busy) ?? num(pool.used) ?? num(pool.borrowed);
  if (idle === undefined && busy === undefined) return undefined;
  const total = num(pool.total) ?? num(pool.size) ?? (idle ?? 0) + (busy ?? 0);
  const pending = num(pool.pending) ?? num(pool.waiting) ?? num(pool.pendingAcquires) ?? 0;
  const max = num(pool.max) ?? num(pool.maxConnections);
  return poolStats(resource, total, idle ?? Math.max(0, total - (busy ?? 0)), busy ?? 0, pending, max);
}

/** Builds {@link PoolStats}, utilization against `max` when known. */
export function poolStats(
  resource: string,
  total: number,
  idle: number,
  busy: number,
  pending: number,
  max?: number,
): PoolStats {
  const capacity = max && max > 0 ? max : total;
  const utilization = capacity > 0 ? Math.min(1, busy / capacity) : pending > 0 ? 1 : 0;
  return { resource, total, idle, busy, pending, utilization };
}

/**
 * Breakers from `details().breaker` (a state, or `{ state }`) named after the resource, and from
 * `details().breakers` (`{ name: state | { state } }`).
 */
export function breakersFromDetails(resource: string, details: Readonly<Record<string, unknown>>): BreakerStats[] {
  const out: BreakerStats[] = [];
  const one = breakerState(details.breaker);
  if (one) out.push({ name: resource, state: one });
  const many = obj(details.breakers);
  if (many) {
    for (const [name, v] of Object.entries(many)) {
      const state = breakerState(v);
      if (state) out.push({ name, state });
    }
  }
  return out;
}

function breakerState(v: unknown): BreakerState | undefined {
  const raw = typeof v === 'string' ? v : obj(v)?.state;
  if (typeof raw === 'string' && (BREAKER_STATES as readonly string[]).includes(raw)) return raw as BreakerState;
  if (typeof raw === 'object' && raw !== null) {
    // An XState state value such as { open: 'waiting' }: the top-level state is what counts.
    const top = Object.keys(raw)[0];
    if (top && (BREAKER_STATES as readonly string[]).includes(top)) return top as BreakerState;
  }
  return undefined;
}
