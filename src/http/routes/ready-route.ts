import type { ObservedStator, ReadinessView } from '../observed-stator.js';
import { sendJson } from '../respond.js';
import type { Route } from './route.js';

/** Readiness of a Stator that does not report its own: ready unless health is `down`. */
export function readinessOf(stator: ObservedStator): ReadinessView {
  if (stator.readiness) return stator.readiness();
  const health = stator.health();
  return health.status === 'down' ? { ready: false, reason: 'health is down' } : { ready: true };
}

/** `/ready`: 200 when ready, 503 with the reason when not (starting, shutting down, a required resource down). */
export const readyRoute: Route = (req, res, { stator }) => {
  const readiness = readinessOf(stator);
  sendJson(req, res, readiness.ready ? 200 : 503, readiness);
};
