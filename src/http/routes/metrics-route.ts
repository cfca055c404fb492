import { sendJson, sendText } from '../respond.js';
import type { Route } from './route.js';

/** `/metrics`: the instance's registry in the Prometheus text format, written by prom-client. */
export const metricsRoute: Route = async (req, res, { registry }) => {
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
