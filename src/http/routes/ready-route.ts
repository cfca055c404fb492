import { readinessOf as readinessOfStatus, type ReadinessInput } from '../../status/readiness.js';
import { detailsFor } from '../access/show-details.js';
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

/**
 * `/ready`: 200 when ready, 503 when not (starting, shutting down, a required resource down). Open
 * to every caller; the reason and blockers (which name resources and their errors) only for
 * callers allowed details (`http.show_details`).
 */
export const readyRoute: Route = async (req, res, { stator, showDetails, access }) => {
  const readiness = readinessOf(stator);
  const details = readiness.ready || (await detailsFor(req, showDetails, access)) === 'allowed';
  sendJson(req, res, readiness.ready ? 200 : 503, details ? readiness : { ready: readiness.ready });
};
