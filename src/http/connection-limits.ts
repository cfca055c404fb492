import type { Server } from 'node:http';

/** Limits of a server Stator runs itself, against slowloris and connection floods. */
export interface ConnectionLimits {
  /** Open connections at most; Node closes any connection over it at once. Default 256. */
  readonly maxConnections?: number;
  /** Seconds a client has to send the request headers. Default 10. */
  readonly headersTimeout?: number;
  /** Seconds a client has to send the whole request. Default 30. */
  readonly requestTimeout?: number;
}

/**
 * Applies {@link ConnectionLimits} to a `node:http` server. Node checks the header and request
 * deadlines every `connectionsCheckingInterval` (set at `createServer`, see
 * {@link checkingIntervalMs}): a client sending its headers a byte at a time is answered 408 and
 * closed once the deadline passes. An idle kept-alive connection is closed after 5 s.
 */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections ?? 256;
  server.headersTimeout = (limits.headersTimeout ?? 10) * 1000;
  server.requestTimeout = (limits.requestTimeout ?? 30) * 1000;
  server.keepAliveTimeout = 5_000;
}

/** How often Node should check the deadlines: a quarter of the header timeout, between 100 ms and 30 s. */
export function checkingIntervalMs(limits: ConnectionLimits): number {
  return Math.min(30_000, Math.max(100, ((limits.headersTimeout ?? 10) * 1000) / 4));
}
