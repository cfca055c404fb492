import { sendJson } from '../respond.js';
import type { Route } from './route.js';

/** `/health`: 200 when up or degraded, 503 when down; the health report as JSON. */
export const healthRoute: Route = (req, res, { stator }) => {
  const health = stator.health();
  sendJson(req, res, health.status === 'down' ? 503 : 200, health);
};
