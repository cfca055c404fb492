import type { ResourceStatus, StatusSnapshot } from '../../status/status-manager.js';
import { observabilityLines, resourceExtras } from './observability-text.js';

/** `850ms`, `12s`, `3m04s`, `2h05m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const MARK: Readonly<Record<ResourceStatus['state'], string>> = {
  idle: '·',
  initializing: '…',
  ready: '✓',
  degraded: '~',
  recovering: '!',
  failed: '✗',
  stopping: '…',
  stopped: '·',
};

/** What is worth saying about a resource besides its state: why it is degraded, its last error. */
function note(r: ResourceStatus): string {
  if (r.state === 'degraded' && r.reason) return r.reason;
  if (r.state === 'stopped' && r.stopOutcome === 'abandoned') return `abandoned: ${r.lastError?.message ?? ''}`;
  if (r.state !== 'ready' && r.state !== 'stopped' && r.lastError) return r.lastError.message;
  return '';
}

/**
 * The status snapshot as a small table, one line per resource:
 * `  ✓ cache        ready         12s  restarts 0`.
 */
export function statusLines(snapshot: StatusSnapshot, now: number): string[] {
  const names = Object.keys(snapshot.resources);
  const width = Math.max(8, ...names.map((n) => n.length));
  const head = `stator: ${snapshot.status} (${snapshot.supervisor}), ${names.length} resource${names.length === 1 ? '' : 's'}`;
  const lines = [head];
  for (const name of names) {
    const r = snapshot.resources[name] as ResourceStatus;
    const flags = [r.optional ? 'optional' : '', r.restarts ? `restarts ${r.restarts}` : ''].filter(Boolean).join(', ');
    const extra = [flags, note(r), resourceExtras(r, now)].filter(Boolean).join('  ');
    lines.push(
      `  ${MARK[r.state]} ${name.padEnd(width)} ${r.state.padEnd(12)} ${formatDuration(now - r.since).padStart(6)}${extra ? `  ${extra}` : ''}`,
    );
  }
  if (snapshot.failure) lines.push(`  failed: ${snapshot.failure.reason} (${snapshot.failure.resources.join(', ')})`);
  lines.push(...observabilityLines(snapshot, now));
  return lines;
}

/** Transient states not worth a line of their own. */
const QUIET = new Set<ResourceStatus['state']>(['idle', 'initializing', 'stopping']);

/**
 * A line saying how a resource changed between two snapshots, or undefined when nothing worth
 * saying did: `✓ cache ready`, `! database recovering: connect ECONNREFUSED`, `· cache stopped`,
 * and each failed initialization attempt that will be retried.
 */
export function changeLine(
  name: string,
  before: ResourceStatus | undefined,
  after: ResourceStatus,
): string | undefined {
  if (before?.state === after.state && before.attempts === after.attempts) return undefined;
  if (before?.state === after.state && after.state === 'initializing' && after.lastError) {
    return `${MARK.recovering} ${name} attempt ${after.attempts} failed: ${after.lastError.message}; retrying`;
  }
  if (before?.state === after.state || QUIET.has(after.state)) return undefined;
  const why = note(after);
  return `${MARK[after.state]} ${name} ${after.state}${why ? `: ${why}` : ''}`;
}
