import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import { latestValue } from '../latest-value.js';
import { detailsFor, withoutDetails } from '../access/show-details.js';
import { sendJson, sendRefused, sendText, sendTooManyStreams } from '../respond.js';
import type { Route, RouteContext } from '../routes/route.js';
import { dashboardAsset } from './dashboard-assets.js';
import { DashboardHub, type HubMessage } from './dashboard-hub.js';
import { machineDiagrams } from './machine-diagrams.js';
import type { FleetInstance } from '../../status/fleet/fleet-instance.js';

/** What the dashboard route needs besides the {@link RouteContext}. */
export interface DashboardParts {
  /** The hub every dashboard shares, started on first use. */
  readonly hub: () => DashboardHub;
  /** The instances of the fleet, when the fleet is configured. */
  readonly fleet?: () => Promise<readonly FleetInstance[]>;
  /** The path prefix the page is served under (`/_stator`). */
  readonly prefix: string;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * `/dashboard`: the page and its assets (open to everyone: they hold no data), and its API under
 * `/dashboard/api/`, which follows `http.show_details`:
 * - `GET session`: what this caller may see and do;
 * - `GET machines`: every machine's diagram (the same graph `stator visualize` draws);
 * - `GET state`: status, live machine actors, recent events, chart points, alert history, fleet;
 * - `GET stream`: server-sent events `status`, `event`, `metrics`, `alert`, `fleet`;
 * - `GET fleet`: the fleet's instances;
 * - `POST breaker/<name>/isolate|reset`: needs `breaker:write:<name>` (audited).
 */
export function dashboardRoute(parts: DashboardParts): Route {
  return async (req, res, ctx, rest) => {
    if (rest === '' && req.method !== 'POST') {
      // `/dashboard` → `/dashboard/`, so that the page's relative URLs resolve under it.
      res.writeHead(308, { location: `${parts.prefix}/dashboard/` });
      res.end();
      return;
    }
    if (rest.startsWith('/api/')) return api(req, res, ctx, parts, rest.slice('/api/'.length));
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(req, res, 405, { error: `${req.method ?? '?'} is not allowed; use GET` });
    const asset = dashboardAsset(rest);
    if (!asset) return sendJson(req, res, 404, { error: `no dashboard file ${rest}` });
    const { body, contentType } = await asset;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    sendText(req, res, 200, contentType, body);
  };
}

async function api(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RouteContext,
  parts: DashboardParts,
  path: string,
): Promise<void> {
  const breaker = /^breaker\/([\w.-]+)\/(isolate|reset)$/.exec(path);
  if (breaker) return breakerAction(req, res, ctx, breaker[1] as string, breaker[2] as 'isolate' | 'reset');
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return sendJson(req, res, 405, { error: `${req.method ?? '?'} is not allowed; use GET` });
  if (path === 'machines') return sendJson(req, res, 200, { machines: await machineDiagrams() });

  const details = await detailsFor(req, ctx.showDetails, ctx.access);
  if (path === 'session') {
    const breakers =
      details === 'allowed' &&
      (await ctx.access.check(req, { resource: 'breaker', action: 'write', scope: '*' })) === 'allowed';
    return sendJson(req, res, 200, {
      details: details === 'allowed',
      showDetails: ctx.showDetails,
      breakerWrite: breakers,
      fleet: Boolean(parts.fleet),
    });
  }
  const snapshot = (): unknown => latestValue(ctx.stator.status$) ?? ctx.stator.health();
  if (details !== 'allowed') {
    if (path === 'state') return sendJson(req, res, 200, { details: false, status: withoutDetails(snapshot()) });
    return sendRefused(req, res, details, 'status:read:*');
  }
  if (path === 'state') {
    return sendJson(req, res, 200, {
      details: true,
      status: snapshot(),
      ...parts.hub().view(),
      fleet: await fleetOf(parts),
    });
  }
  if (path === 'fleet') return sendJson(req, res, 200, { instances: await fleetOf(parts) });
  if (path === 'stream' && req.method === 'GET') return stream(req, res, ctx, parts);
  sendJson(req, res, 404, { error: `no dashboard API ${path}` });
}

async function fleetOf(parts: DashboardParts): Promise<readonly FleetInstance[] | { error: string } | null> {
  if (!parts.fleet) return null;
  try {
    return await parts.fleet();
  } catch (error) {
    return { error: `the fleet cannot be read: ${(error as Error).message}` };
  }
}

/** The dashboard's live feed: status snapshots, machine events, chart points, alerts, and the fleet every few seconds. */
function stream(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, parts: DashboardParts): void {
  let ended = false;
  const subscriptions: Subscription[] = [];
  const timers: unknown[] = [];
  const end = (): void => {
    if (ended) return;
    ended = true;
    for (const s of subscriptions) s.unsubscribe();
    for (const t of timers) ctx.clock.clearTimeout(t);
    untrack?.();
    if (!res.writableEnded) res.end();
  };
  const untrack = ctx.track(end);
  if (!untrack) return sendTooManyStreams(req, res);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const send = (event: string, data: unknown): void => {
    if (!ended) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  subscriptions.push(ctx.stator.status$.subscribe({ next: (s) => send('status', s), error: end, complete: end }));
  subscriptions.push(parts.hub().messages$.subscribe({ next: (m: HubMessage) => send(m.kind, m.data), complete: end }));
  const beat = (): void => {
    if (ctx.heartbeatMs > 0)
      timers[0] = ctx.clock.setTimeout(() => (res.write(': keep-alive\n\n'), beat()), ctx.heartbeatMs);
  };
  beat();
  if (parts.fleet) {
    // Every open dashboard asks; the fleet source reads Redis at most once a second for all of them.
    const poll = (): void => {
      timers[1] = ctx.clock.setTimeout(() => {
        void fleetOf(parts).then((fleet) => {
          send('fleet', fleet);
          if (!ended) poll();
        });
      }, FLEET_POLL_MS);
    };
    poll();
  }
  req.on('close', end);
  res.on('close', end);
}

const FLEET_POLL_MS = 1000;

async function breakerAction(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RouteContext,
  name: string,
  action: 'isolate' | 'reset',
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendJson(req, res, 405, { error: `${req.method ?? '?'} is not allowed; use POST` });
  }
  const outcome = await ctx.access.check(req, { resource: 'breaker', action: 'write', scope: name }, true);
  if (outcome !== 'allowed') return sendRefused(req, res, outcome, `breaker:write:${name}`);
  const handle = ctx.stator.breaker?.(name);
  if (!handle)
    return sendJson(req, res, 404, {
      error: `no breaker named ${name} (a breaker exists once its resource has used it)`,
    });
  if (action === 'isolate') handle.isolate();
  else handle.reset();
  sendJson(req, res, 200, { breaker: name, state: handle.state });
}
