import { sendJson } from '../respond.js';
import type { Route } from './route.js';

/**
 * `/live`: 200 as long as the process answers. Liveness says nothing about the resources on
 * purpose: restarting the service does not bring a database back, and an orchestrator that
 * restarts on a failing dependency turns an outage into a crash loop. Use `/ready` for that.
 */
export const liveRoute: Route = (req, res) => {
  sendJson(req, res, 200, { status: 'up' });
};
