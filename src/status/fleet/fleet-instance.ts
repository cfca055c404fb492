import type { StatusSnapshot } from '../status-manager.js';

/** One instance of the service, as its last heartbeat described it. */
export interface FleetInstance {
  readonly service: string;
  readonly instance: string;
  readonly host: string;
  readonly pid: number;
  /** Wall-clock ms of its start and of this heartbeat. */
  readonly startedAt: number;
  readonly time: number;
  /** `up`, `degraded`, `down`. */
  readonly status: string;
  readonly supervisor: string;
  /** Each resource's state (and why it is degraded). */
  readonly resources: Readonly<Record<string, { readonly state: string; readonly reason?: string }>>;
}

/** The heartbeat of an instance in the state `snapshot` describes. */
export function fleetInstance(
  base: Pick<FleetInstance, 'service' | 'instance' | 'host' | 'pid' | 'startedAt'>,
  snapshot: StatusSnapshot,
  time: number,
): FleetInstance {
  const resources: Record<string, { state: string; reason?: string }> = {};
  for (const [name, r] of Object.entries(snapshot.resources))
    resources[name] = { state: r.state, ...(r.reason ? { reason: r.reason } : {}) };
  return { ...base, time, status: snapshot.status, supervisor: snapshot.supervisor, resources };
}

/** True for a parsed heartbeat of the expected shape (a key written by something else is skipped). */
export function isFleetInstance(value: unknown): value is FleetInstance {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.instance === 'string' &&
    typeof v.status === 'string' &&
    typeof v.resources === 'object' &&
    v.resources !== null
  );
}
