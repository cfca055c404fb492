import { latestValue } from '../latest-value.js';
import { sendJson } from '../respond.js';
import { streamStatus } from '../status-stream.js';
import type { Route } from './route.js';

/**
 * `/status`: the latest status snapshot as JSON, or with `Accept: text/event-stream` a stream of
 * snapshots as server-sent events (the current one first, then each change).
 */
export const statusRoute: Route = (req, res, { stator, clock, heartbeatMs, track }) => {
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/event-stream') && req.method === 'GET') {
    const untrack = track(() => end());
    const end = streamStatus(req, res, stator.status$, { clock, heartbeatMs });
    res.on('close', untrack);
    return;
  }
  sendJson(req, res, 200, latestValue(stator.status$) ?? stator.health());
};
