import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * An in-process TCP proxy to a database server, on an ephemeral port of this test process: stopping
 * it makes the database look down to whoever connects through it (refused connections, open ones
 * cut), starting it again on the same port brings it back. The shared server itself is untouched.
 */
export class TcpProxy {
  public port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  public constructor(private readonly targetPort: number) {}

  public async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones. */
  public async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
