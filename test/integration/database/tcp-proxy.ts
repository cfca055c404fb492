import net from 'node:net';

/**
 * A TCP proxy in front of a shared database server, on a port the OS picks, that a test can cut
 * (every connection reset, new ones refused: the database "went away") and restore (the same port
 * accepts again: it "came back"), without touching the shared server itself.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  public port = 0;

  public constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  public async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Resets every connection and stops accepting new ones. */
  public async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again on the same port. */
  public restore(): Promise<void> {
    return this.start();
  }

  public stop(): Promise<void> {
    return this.cut();
  }
}
