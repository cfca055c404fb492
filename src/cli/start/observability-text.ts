import type { AlertState, AlertTransition } from '../../status/alerts/alert-transition.js';
import type { ResourceStatus, StatusSnapshot } from '../../status/status-manager.js';

const ALERT_MARK: Readonly<Record<AlertState['status'], string>> = {
  ok: '✓',
  pending: '?',
  firing: '!',
  resolved: '✓',
};

const pct = (ratio: number): string => `${Math.round(ratio * 100)}%`;
const num = (v: number | null): string => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(3));
const age = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

/**
 * A resource's pool and breaker, for its line in the live view:
 * `pool 6/10 busy (60%), 3 waiting  breaker open, retry in 12s`. Empty when it has neither.
 */
export function resourceExtras(r: ResourceStatus, now: number): string {
  const parts: string[] = [];
  if (r.pool) {
    const waiting = r.pool.pending ? `, ${r.pool.pending} waiting` : '';
    parts.push(`pool ${r.pool.busy}/${r.pool.total} busy (${pct(r.pool.utilization)})${waiting}`);
  }
  if (r.breaker && r.breaker.state !== 'closed') {
    const retry =
      r.breaker.state === 'open' && r.breaker.nextAttemptAt !== undefined
        ? `, retry in ${age(r.breaker.nextAttemptAt - now)}`
        : '';
    parts.push(`breaker ${r.breaker.state}${retry}`);
  }
  return parts.join('  ');
}

/**
 * The lines under the resource table: readiness when not ready (with its reason) and each open
 * alert: `  ! pool_utilization firing 2m04s (value 0.950, threshold 0.9)`.
 */
export function observabilityLines(snapshot: StatusSnapshot, now: number): string[] {
  const lines: string[] = [];
  if (snapshot.readiness && !snapshot.readiness.ready)
    lines.push(`  not ready: ${snapshot.readiness.reason ?? 'unknown'}`);
  for (const a of snapshot.alerts ?? []) {
    lines.push(
      `  ${ALERT_MARK[a.status]} alert ${a.rule} ${a.status} ${age(now - a.since)} (value ${num(a.value)}, threshold ${a.threshold})`,
    );
  }
  return lines;
}

/** One log line per alert transition, for the plain (non-terminal) view. */
export function alertLine(t: AlertTransition): string {
  return `${ALERT_MARK[t.to]} alert ${t.rule} ${t.from} -> ${t.to} (value ${num(t.value)}, threshold ${t.threshold})`;
}
