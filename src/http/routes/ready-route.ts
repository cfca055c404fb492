import { readinessOf as readinessOfStatus, type ReadinessInput } from '../../status/readiness.js';
import type { ObservedStator, ReadinessView } from '../observed-stator.js';
import { sendJson } from '../respond.js';
import type { Route } from './route.js';

const isStatusSnapshot = (h: object): h is ReadinessInput =>
  'supervisor' in h && 'resources' in h && typeof (h as { resources: unknown }).resources === 'object';

/**
 * The Stator's readiness: its own `readiness()` when it has one; else decided from its status
 * snapshot (see `status/readiness.ts`); else ready unless health is `down`.
 */
export function readinessOf(stator: ObservedStator): ReadinessView {
  if (stator.readiness) return stator.readiness();
  const health = stator.health();
  if (isStatusSnapshot(health)) return readinessOfStatus(health);
  return health.status === 'down' ? { ready: false, reason: 'health is down' } : { ready: true };
}

/** `/ready`: 200 when ready, 503 with the reason when not (starting, shutting down, a required resource down). */
export const readyRoute: Route = (req, res, { stator }) => {
  const readiness = readinessOf(stator);
  sendJson(req, res, readiness.ready ? 200 : 503, readiness);
};
