import net from 'node:net';

/** A frontend message as the tap saw it: its type byte and, for Query and Parse, its SQL text. */
export interface WireMessage {
  readonly type: string;
  readonly sql?: string;
}

/**
 * A TCP proxy in front of PostgreSQL that reads the frontend protocol the client sends: every
 * message after the startup, in order, per connection. A round trip ends with a simple Query
 * (`Q`) or a Sync (`S`). `rewrite` may replace a Query's or a Parse's SQL with another of the
 * same length (a statement the server will refuse), to show what the server then runs.
 */
export class PgWireTap {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Every message of every connection since the last {@link clear}, in arrival order. */
  public readonly messages: WireMessage[] = [];
  public rewrite: ((sql: string) => string) | undefined;
  public port = 0;

  public constructor(private readonly targetPort: number) {}

  public async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      upstream.pipe(client);
      let pending = Buffer.alloc(0);
      let started = false;
      client.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        const out: Buffer[] = [];
        for (;;) {
          const header = started ? 5 : 4;
          if (pending.length < header) break;
          const length = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
          if (pending.length < length) break;
          const message = Buffer.from(pending.subarray(0, length));
          pending = pending.subarray(length);
          if (!started) {
            // SSLRequest / GSSENCRequest are followed by another startup message.
            const code = message.readInt32BE(4);
            started = code !== 80877103 && code !== 80877104;
          } else this.read(message);
          out.push(message);
        }
        if (out.length) upstream.write(Buffer.concat(out));
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** The SQL of each round trip since the last {@link clear}: the Query's, or the Parses' up to a Sync. */
  public roundTrips(): string[][] {
    const trips: string[][] = [];
    let open: string[] = [];
    for (const m of this.messages) {
      if (m.sql !== undefined) open.push(m.sql);
      if (m.type === 'Q' || m.type === 'S') {
        trips.push(open);
        open = [];
      }
    }
    return trips;
  }

  public clear(): void {
    this.messages.length = 0;
  }

  public async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Records `message` (a typed one), rewriting its SQL in place when asked. */
  private read(message: Buffer): void {
    const type = String.fromCharCode(message[0] ?? 0);
    if (type !== 'Q' && type !== 'P') {
      this.messages.push({ type });
      return;
    }
    // Q: the text. P: the statement's name, then the text (both NUL-terminated).
    const start = type === 'Q' ? 5 : message.indexOf(0, 5) + 1;
    const end = message.indexOf(0, start);
    const sql = message.toString('utf8', start, end);
    const replaced = this.rewrite?.(sql);
    if (replaced !== undefined && replaced !== sql) {
      if (Buffer.byteLength(replaced) !== end - start) throw new Error('a rewrite must keep the length');
      message.write(replaced, start, 'utf8');
    }
    this.messages.push({ type, sql });
  }
}
