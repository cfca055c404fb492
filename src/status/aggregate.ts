import type { SupervisedState } from '../../machines/supervisor.machine.js';

/** The runtime's overall status, as `stator.health().status` reports it. */
export type RuntimeStatus = 'up' | 'degraded' | 'down';

/** Where the supervisor is in its lifecycle (its top-level state). */
export type SupervisorPhase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What an aggregation policy knows of one resource. */
export interface AggregatedResource {
  readonly state: SupervisedState;
  readonly optional: boolean;
}

/**
 * Decides the overall status from the supervisor's phase and each resource. Replace it with
 * `statusManager.setAggregation(policy)` (or `createStator({ aggregate })`) when a service
 * counts differently (say, an optional search index that being down should page).
 *
 * @example
 * ```ts
 * // Any resource that is not ready makes the whole service down.
 * const strict: AggregationPolicy = (phase, resources) =>
 *   phase === 'running' && resources.every((r) => r.state === 'ready') ? 'up' : 'down';
 * ```
 */
export type AggregationPolicy = (phase: SupervisorPhase, resources: readonly AggregatedResource[]) => RuntimeStatus;

const RANK: Readonly<Record<RuntimeStatus, number>> = { up: 0, degraded: 1, down: 2 };

/** The worst of several statuses: down > degraded > up (`up` for none). */
export function worstOf(statuses: Iterable<RuntimeStatus>): RuntimeStatus {
  let worst: RuntimeStatus = 'up';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/**
 * One resource's own status while the supervisor runs: `ready` is up; `degraded` is degraded;
 * any other state (`recovering`: its health check failed; `failed`, waiting for its next restart;
 * the steps of a restart: `idle`, `initializing`, `stopping`, `stopped`) means it cannot serve:
 * down for a required resource, degraded for an optional one.
 */
export function resourceStatus(r: AggregatedResource): RuntimeStatus {
  switch (r.state) {
    case 'ready':
      return 'up';
    case 'degraded':
      return 'degraded';
    default:
      return r.optional ? 'degraded' : 'down';
  }
}

/**
 * The default policy, worst state wins (as Spring Boot's status aggregator does): `down` when
 * the supervisor is not running (starting, stopping, stopped, failed), else the worst of the
 * resources' own statuses (see {@link resourceStatus}).
 */
export const aggregateStatus: AggregationPolicy = (phase, resources) =>
  phase !== 'running' ? 'down' : worstOf(resources.map(resourceStatus));
