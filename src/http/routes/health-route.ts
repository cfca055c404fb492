import { detailsFor, withoutDetails } from '../access/show-details.js';
import { sendJson } from '../respond.js';
import type { Route } from './route.js';

/**
 * `/health`: 200 when up or degraded, 503 when down. The whole report for callers allowed details
 * (`http.show_details`); the overall status only for everyone else.
 */
export const healthRoute: Route = async (req, res, { stator, showDetails, access }) => {
  const details = (await detailsFor(req, showDetails, access)) === 'allowed';
  const health = stator.health();
  sendJson(req, res, health.status === 'down' ? 503 : 200, details ? health : withoutDetails(health));
};
