import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { ObservedStator } from './observed-stator.js';
import { sendJson } from './respond.js';
import { healthRoute } from './routes/health-route.js';
import { liveRoute } from './routes/live-route.js';
import { metricsRoute } from './routes/metrics-route.js';
import { readyRoute } from './routes/ready-route.js';
import type { Route, RouteContext } from './routes/route.js';
import { statusRoute } from './routes/status-route.js';

/** Options of {@link createStatorHandler}. */
export interface StatorHandlerOptions {
  /** Serve the endpoints under this path (`/stator` → `/stator/health`). Default ''. */
  readonly pathPrefix?: string;
  /** Registry for `/metrics` when the Stator does not carry one. */
  readonly registry?: Registry;
  /** Clock of the event-stream heartbeats. Default the system clock. */
  readonly clock?: Clock;
  /** Seconds between keep-alive comments on `/status` event streams. Default 15. */
  readonly heartbeatSeconds?: number;
}

/**
 * A `node:http` request handler (also usable as Express/Connect middleware: it calls `next()`
 * for paths it does not serve).
 */
export interface StatorHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Ends every open `/status` event stream, so that the server around it can close. */
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
 * Serves Stator's observability endpoints from the embedder's own HTTP server:
 * `/health` (200 up or degraded, 503 down), `/live`, `/ready` (503 with the reason while not
 * ready), `/metrics` (Prometheus text), `/status` (JSON, or server-sent events with
 * `Accept: text/event-stream`).
 *
 * @example
 * ```ts
 * const stator = createStator({ config: 'stator.yaml' });
 * const endpoints = createStatorHandler(stator);
 * http.createServer((req, res) => endpoints(req, res, () => app(req, res))).listen(8080);
 * await stator.start();
 * ```
 */
export function createStatorHandler(stator: ObservedStator, options: StatorHandlerOptions = {}): StatorHandler {
  const prefix = (options.pathPrefix ?? '').replace(/\/$/, '');
  const streams = new Set<() => void>();
  const ctx: RouteContext = {
    stator,
    registry: options.registry ?? stator.metricsRegistry ?? stator.context?.metrics,
    clock: options.clock ?? systemClock,
    heartbeatMs: (options.heartbeatSeconds ?? 15) * 1000,
    track: (end) => {
      streams.add(end);
      return () => streams.delete(end);
    },
  };

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = path.startsWith(prefix) ? ROUTES[path.slice(prefix.length)] : undefined;
    if (!route) {
      if (next) next();
      else sendJson(req, res, 404, { error: `no endpoint ${path}`, endpoints: Object.keys(ROUTES).map((p) => prefix + p) });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(req, res, 405, { error: `${req.method ?? '?'} is not allowed; use GET` });
      return;
    }
    Promise.resolve()
      .then(() => route(req, res, ctx))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(req, res, 500, { error: (error as Error)?.message ?? String(error) });
        else res.destroy();
      });
  };
  return Object.assign(handler, {
    close: () => {
      for (const end of [...streams]) end();
      streams.clear();
    },
  });
}
