import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpConfig } from '../config/sections/http.js';
import { applyConnectionLimits, checkingIntervalMs, type ConnectionLimits } from './connection-limits.js';
import type { ObservedStator } from './observed-stator.js';
import { createStatorHandler, handlerOptionsOf, type StatorHandler, type StatorHandlerOptions } from './handler.js';

/** The default port of {@link startStatorServer}: not 9464, which the OpenTelemetry Prometheus exporter uses. */
export const DEFAULT_PORT = 9477;

/** Options of {@link startStatorServer}. */
export interface StatorServerOptions extends StatorHandlerOptions, ConnectionLimits {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default `DEFAULT_PORT` (9477); 0 picks a free port. */
  readonly port?: number;
}

/** The server options that `http:` configures (what `stator start` passes). */
export function serverOptionsOf(http: HttpConfig): StatorServerOptions {
  return {
    ...handlerOptionsOf(http),
    host: http.host,
    port: http.port,
    maxConnections: http.max_connections,
    headersTimeout: http.headers_timeout,
    requestTimeout: http.request_timeout,
  };
}

/** A running endpoint server. */
export interface StatorServer {
  readonly server: Server;
  readonly handler: StatorHandler;
  /** Where it listens (the port is resolved when 0 was asked). */
  readonly address: { readonly host: string; readonly port: number };
  /** The base URL, `http://host:port` + path prefix. */
  readonly url: string;
  /** Ends the event streams, stops accepting connections and resolves when the last one closed. */
  close(): Promise<void>;
}

/**
 * Starts a `node:http` server that serves only Stator's endpoints (what `stator start` runs on
 * the `http` configuration), at the root unless `pathPrefix` says otherwise, with a cap on open
 * connections and deadlines for headers and requests. Rejects when the port cannot be bound.
 */
export async function startStatorServer(
  stator: ObservedStator,
  options: StatorServerOptions = {},
): Promise<StatorServer> {
  const handler = createStatorHandler(stator, { ...options, pathPrefix: options.pathPrefix ?? '' });
  const server = createServer({ connectionsCheckingInterval: checkingIntervalMs(options) }, (req, res) =>
    handler(req, res),
  );
  applyConnectionLimits(server, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  const hostForUrl = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    server,
    handler,
    address,
    url: `http://${hostForUrl}:${address.port}${handler.prefix}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        handler.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
