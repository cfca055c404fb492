import { map } from 'rxjs';
import { detailsFor, withoutDetails } from '../access/show-details.js';
import { latestValue } from '../latest-value.js';
import { sendJson, sendTooManyStreams } from '../respond.js';
import { streamStatus } from '../status-stream.js';
import type { Route } from './route.js';

/**
 * `/status`: the latest status snapshot as JSON, or with `Accept: text/event-stream` a stream of
 * snapshots as server-sent events (the current one first, then each change). Callers not allowed
 * details (`http.show_details`) get the overall status only.
 */
export const statusRoute: Route = async (req, res, { stator, clock, heartbeatMs, track, showDetails, access }) => {
  const details = (await detailsFor(req, showDetails, access)) === 'allowed';
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/event-stream') && req.method === 'GET') {
    const untrack = track(() => end());
    if (!untrack) return sendTooManyStreams(req, res);
    const snapshots$ = details ? stator.status$ : stator.status$.pipe(map(withoutDetails));
    const end = streamStatus(req, res, snapshots$, { clock, heartbeatMs });
    res.on('close', untrack);
    return;
  }
  const snapshot = latestValue(stator.status$) ?? stator.health();
  sendJson(req, res, 200, details ? snapshot : withoutDetails(snapshot));
};
