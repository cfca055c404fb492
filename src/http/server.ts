import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObservedStator } from './observed-stator.js';
import { createStatorHandler, type StatorHandlerOptions } from './handler.js';

/** Options of {@link startStatorServer}. */
export interface StatorServerOptions extends StatorHandlerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 9464; 0 picks a free port. */
  readonly port?: number;
}

/** A running endpoint server. */
export interface StatorServer {
  readonly server: Server;
  /** Where it listens (the port is resolved when 0 was asked). */
  readonly address: { readonly host: string; readonly port: number };
  /** The base URL, `http://host:port` + path prefix. */
  readonly url: string;
  /** Ends the event streams, stops accepting connections and resolves when the last one closed. */
  close(): Promise<void>;
}

/**
 * Starts a `node:http` server that serves only Stator's endpoints (what `stator start` runs on
 * the `http` configuration). Rejects when the port cannot be bound.
 */
export async function startStatorServer(stator: ObservedStator, options: StatorServerOptions = {}): Promise<StatorServer> {
  const handler = createStatorHandler(stator, options);
  const server = createServer((req, res) => handler(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9464, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  const hostForUrl = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    server,
    address,
    url: `http://${hostForUrl}:${address.port}${(options.pathPrefix ?? '').replace(/\/$/, '')}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        handler.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
