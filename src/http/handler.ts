import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { HttpConfig } from '../config/sections/http.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { FleetInstance } from '../status/fleet/fleet-instance.js';
import { accessOf, type EndpointAccess } from './access/endpoint-access.js';
import type { ShowDetails } from './access/show-details.js';
import { DashboardHub } from './dashboard/dashboard-hub.js';
import { dashboardRoute } from './dashboard/dashboard-route.js';
import { fleetOfStator } from './fleet-source.js';
import type { ObservedStator } from './observed-stator.js';
import { collectProcessMetrics } from './process-metrics.js';
import { sendJson } from './respond.js';
import { healthRoute } from './routes/health-route.js';
import { liveRoute } from './routes/live-route.js';
import { metricsRoute } from './routes/metrics-route.js';
import { readyRoute } from './routes/ready-route.js';
import type { Route, RouteContext } from './routes/route.js';
import { statusRoute } from './routes/status-route.js';

/** The path prefix the handler serves under unless told otherwise: never one of the application's own paths. */
export const DEFAULT_PREFIX = '/_stator';

/** Options of {@link createStatorHandler}. */
export interface StatorHandlerOptions {
  /** Serve the endpoints under this path (`/_stator` → `/_stator/health`). Default `/_stator`; `''` for the root. */
  readonly pathPrefix?: string;
  /** Registry for `/metrics` when the Stator does not carry one. */
  readonly registry?: Registry;
  /** Clock of the event-stream heartbeats. Default the system clock. */
  readonly clock?: Clock;
  /** Seconds between keep-alive comments on event streams. Default 15. */
  readonly heartbeatSeconds?: number;
  /** Who sees details in `/health`, `/status` and the dashboard. Default `when_authorized`. */
  readonly showDetails?: ShowDetails;
  /** Require `metrics:read:*` on `/metrics`. Default false. */
  readonly metricsAuth?: boolean;
  /** Serve `/dashboard`. Default false. */
  readonly dashboard?: boolean;
  /** Add prom-client's default process metrics to the registry. Default true. */
  readonly processMetrics?: boolean;
  /** Open event streams at most; more get 503. Default 64. */
  readonly maxStreams?: number;
  /** Decides what a request's credentials allow. Default: the Stator's own security (`security:`). */
  readonly access?: EndpointAccess;
  /** The fleet's instances for the dashboard. Default: read from Redis when `fleet:` is on. */
  readonly fleet?: () => Promise<readonly FleetInstance[]>;
}

/** The handler options that `http:` configures (what `stator start` passes). */
export function handlerOptionsOf(http: HttpConfig): StatorHandlerOptions {
  return {
    pathPrefix: http.path_prefix,
    heartbeatSeconds: http.sse_heartbeat,
    showDetails: http.show_details,
    metricsAuth: http.metrics_auth,
    dashboard: http.dashboard,
    processMetrics: http.process_metrics,
    maxStreams: http.max_streams,
  };
}

/**
 * A `node:http` request handler (also usable as Express/Connect middleware: it calls `next()`
 * for paths it does not serve).
 */
export interface StatorHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** The prefix it serves under (`/_stator`). */
  readonly prefix: string;
  /** Ends every open event stream, so that the server around it can close. */
  close(): void;
}

const ROUTES: Readonly<Record<string, Route>> = {
  '/health': healthRoute,
  '/live': liveRoute,
  '/ready': readyRoute,
  '/metrics': metricsRoute,
  '/status': statusRoute,
};

/**
 * Serves Stator's observability endpoints from the embedder's own HTTP server, under a prefix
 * (`/_stator` by default, so the application's own `/health` stays its own):
 * `/health` (200 up or degraded, 503 down), `/live`, `/ready` (503 while not ready), `/metrics`
 * (Prometheus text), `/status` (JSON, or server-sent events with `Accept: text/event-stream`),
 * and with `dashboard: true` the live `/dashboard`. A path outside the prefix goes to `next()`.
 *
 * @example
 * ```ts
 * const stator = createStator({ config: 'stator.yaml' });
 * const endpoints = createStatorHandler(stator, { dashboard: true });
 * http.createServer((req, res) => endpoints(req, res, () => app(req, res))).listen(8080);
 * await stator.start(); // GET /_stator/health, /_stator/dashboard/
 * ```
 */
export function createStatorHandler(stator: ObservedStator, options: StatorHandlerOptions = {}): StatorHandler {
  const prefix = (options.pathPrefix ?? DEFAULT_PREFIX).replace(/\/$/, '');
  const streams = new Set<() => void>();
  const ctx = routeContext(stator, options, streams);
  const dashboard = dashboardOf(stator, options, prefix);

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const found = routeOf(path, prefix, dashboard.route);
    if (!found) {
      if (next) next();
      else
        sendJson(req, res, 404, {
          error: `no endpoint ${path}`,
          endpoints: endpointList(prefix, Boolean(dashboard.route)),
        });
      return;
    }
    const { route, rest } = found;
    if (route !== dashboard.route && req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(req, res, 405, { error: `${req.method ?? '?'} is not allowed; use GET` });
      return;
    }
    Promise.resolve()
      .then(() => route(req, res, ctx, rest))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(req, res, 500, { error: (error as Error)?.message ?? String(error) });
        else res.destroy();
      });
  };
  return Object.assign(handler, {
    prefix,
    close: () => {
      for (const end of [...streams]) end();
      streams.clear();
      dashboard.close();
    },
  });
}

/** What every route is given: the Stator, the registry, the access decisions, the open event streams. */
function routeContext(stator: ObservedStator, options: StatorHandlerOptions, streams: Set<() => void>): RouteContext {
  const maxStreams = options.maxStreams ?? 64;
  const registry = options.registry ?? stator.metricsRegistry ?? stator.context?.metrics;
  if (registry && options.processMetrics !== false) collectProcessMetrics(registry);
  return {
    stator,
    registry,
    clock: options.clock ?? systemClock,
    heartbeatMs: (options.heartbeatSeconds ?? 15) * 1000,
    showDetails: options.showDetails ?? 'when_authorized',
    access: options.access ?? accessOf(stator),
    metricsAuth: options.metricsAuth ?? false,
    track: (end) => {
      if (streams.size >= maxStreams) return undefined;
      streams.add(end);
      return () => streams.delete(end);
    },
  };
}

/**
 * The `/dashboard` route when `dashboard` is on (its hub made at the first visit), and how to
 * close what it holds: the hub and the fleet reader.
 */
function dashboardOf(
  stator: ObservedStator,
  options: StatorHandlerOptions,
  prefix: string,
): { route: Route | undefined; close(): void } {
  let hub: DashboardHub | undefined;
  const fleet = options.fleet
    ? { list: options.fleet, close: () => undefined }
    : options.dashboard
      ? fleetOfStator(stator)
      : undefined;
  const route = options.dashboard
    ? dashboardRoute({
        prefix,
        hub: () =>
          (hub ??= new DashboardHub({
            ...(stator.events$ ? { events$: stator.events$ } : {}),
            ...(stator.metrics$ ? { metrics$: stator.metrics$ } : {}),
            ...(stator.alerts$ ? { alerts$: stator.alerts$ } : {}),
            ...(stator.context?.events
              ? {
                  running: () => stator.context?.events?.running() ?? [],
                  states: () => stator.context?.events?.states?.() ?? new Map(),
                }
              : {}),
          })),
        ...(fleet ? { fleet: fleet.list } : {}),
      })
    : undefined;
  return {
    route,
    close: () => {
      hub?.close();
      hub = undefined;
      fleet?.close();
    },
  };
}

/** The route serving `path` and the rest of the path it is given; undefined outside the prefix or for an unknown path. */
function routeOf(
  path: string,
  prefix: string,
  dashboard: Route | undefined,
): { route: Route; rest: string } | undefined {
  const inside = prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
  if (!inside) return undefined;
  const own = path.slice(prefix.length);
  const route = ROUTES[own] as Route | undefined;
  if (route) return { route, rest: '' };
  if (dashboard && (own === '/dashboard' || own.startsWith('/dashboard/')))
    return { route: dashboard, rest: own.slice('/dashboard'.length) };
  return undefined;
}

function endpointList(prefix: string, dashboard: boolean): string[] {
  return [...Object.keys(ROUTES), ...(dashboard ? ['/dashboard/'] : [])].map((p) => prefix + p);
}
