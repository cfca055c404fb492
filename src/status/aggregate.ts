import type { SupervisedState } from '../../machines/supervisor.machine.js';

/** The runtime's overall status, as `stator.health().status` reports it. */
export type RuntimeStatus = 'up' | 'degraded' | 'down';

/** Where the supervisor is in its lifecycle (its top-level state). */
export type SupervisorPhase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What {@link aggregateStatus} needs to know of one resource. */
export interface AggregatedResource {
  readonly state: SupervisedState;
  readonly optional: boolean;
}

/**
 * The overall status from the supervisor's phase and each resource's state:
 * - `up`: running, every resource ready;
 * - `degraded`: running, but a resource is degraded, recovering, being restarted, or is an
 *   optional one that failed;
 * - `down`: not running (starting, stopping, stopped, failed), or a required resource is down.
 */
export function aggregateStatus(phase: SupervisorPhase, resources: readonly AggregatedResource[]): RuntimeStatus {
  if (phase !== 'running') return 'down';
  if (resources.every((r) => r.state === 'ready')) return 'up';
  return 'degraded';
}
