import { sendJson, sendRefused, sendText } from '../respond.js';
import type { Route } from './route.js';

const METRICS_READ = { resource: 'metrics', action: 'read', scope: '*' } as const;

/**
 * `/metrics`: the instance's registry in the Prometheus text format, written by prom-client. With
 * `http.metrics_auth`, only for a token or API key holding `metrics:read:*`.
 */
export const metricsRoute: Route = async (req, res, { registry, metricsAuth, access }) => {
  if (metricsAuth) {
    const outcome = await access.check(req, METRICS_READ);
    if (outcome !== 'allowed') return sendRefused(req, res, outcome, 'metrics:read:*');
  }
  if (!registry) {
    sendJson(req, res, 404, { error: 'this Stator exposes no metrics registry' });
    return;
  }
  try {
    sendText(req, res, 200, registry.contentType, await registry.metrics());
  } catch (error) {
    sendJson(req, res, 500, { error: `metrics collection failed: ${(error as Error).message}` });
  }
};
