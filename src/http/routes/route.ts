import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Clock } from '../../kernel/clock.js';
import type { EndpointAccess } from '../access/endpoint-access.js';
import type { ShowDetails } from '../access/show-details.js';
import type { ObservedStator } from '../observed-stator.js';

/** What every endpoint gets besides the request. */
export interface RouteContext {
  readonly stator: ObservedStator;
  readonly registry: Registry | undefined;
  readonly clock: Clock;
  readonly heartbeatMs: number;
  /** Who sees details (`http.show_details`). */
  readonly showDetails: ShowDetails;
  /** Decides what a request's credentials allow. */
  readonly access: EndpointAccess;
  /** `/metrics` needs `metrics:read:*` (`http.metrics_auth`). */
  readonly metricsAuth: boolean;
  /**
   * Registers a long response (an event stream) with a server-side way to end it; returns the
   * function that unregisters it, or undefined when `max_streams` are already open (the route
   * then answers 503).
   */
  readonly track: (end: () => void) => (() => void) | undefined;
}

/** One endpoint; `rest` is the path after the endpoint's own (`/dashboard/app.js` → `/app.js`). */
export type Route = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RouteContext,
  rest: string,
) => void | Promise<void>;
