import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Clock } from '../../kernel/clock.js';
import type { ObservedStator } from '../observed-stator.js';

/** What every endpoint gets besides the request. */
export interface RouteContext {
  readonly stator: ObservedStator;
  readonly registry: Registry | undefined;
  readonly clock: Clock;
  readonly heartbeatMs: number;
  /** Registers a server-side way to end a long response (an event stream) when the handler closes. */
  readonly track: (end: () => void) => () => void;
}

/** One endpoint. */
export type Route = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => void | Promise<void>;
