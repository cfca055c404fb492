import net from 'node:net';

/**
 * A TCP proxy on a fixed port in front of a server, that a fault test can cut three ways:
 * - `blackhole()`: every connection, old and new, stops carrying bytes (both directions paused,
 *   new ones accepted and held): a partition. `heal()` lets the held bytes through again.
 * - `reset()`: every open connection is reset (RST); new ones go through.
 * - `refuse()`: resets everything and closes the port; `heal()` opens it again.
 */
export class FaultProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private holding = false;

  public constructor(
    public readonly port: number,
    private readonly targetPort: number,
  ) {}

  public async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      for (const s of pair) {
        s.on('error', () => undefined);
        s.on('close', () => {
          this.pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.holding) this.hold(pair);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  public blackhole(): void {
    this.holding = true;
    for (const pair of this.pairs) this.hold(pair);
  }

  public reset(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
  }

  public async refuse(): Promise<void> {
    this.reset();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  public async heal(): Promise<void> {
    if (this.holding) {
      this.holding = false;
      for (const [a, b] of this.pairs) {
        a.pipe(b);
        b.pipe(a);
        a.resume();
        b.resume();
      }
    }
    if (!this.server) await this.start();
  }

  public async stop(): Promise<void> {
    await this.refuse();
  }

  private hold([a, b]: [net.Socket, net.Socket]): void {
    a.unpipe(b);
    b.unpipe(a);
    a.pause();
    b.pause();
  }
}
