import { connect, type Socket } from 'node:net';
import { BehaviorSubject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatorServer, type StatorServer } from '../../../src/http/server.js';
import type { ObservedStator } from '../../../src/http/observed-stator.js';

const ATTACKERS = 3000;
const CAP = 100;

/** A slowloris client: sends the start of a request, then one more header line every 200 ms, never the blank line. */
function slowClient(port: number): {
  socket: Socket;
  closed: Promise<void>;
  refusedAt: Promise<'connected' | 'refused'>;
} {
  const socket = connect(port, '127.0.0.1');
  let trickle: NodeJS.Timeout | undefined;
  socket.on('error', () => undefined); // a refused or reset connection is what the test expects
  const refusedAt = new Promise<'connected' | 'refused'>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('close', () => resolve('refused'));
  });
  socket.once('connect', () => {
    socket.write('GET /health HTTP/1.1\r\nHost: stator\r\n');
    let n = 0;
    trickle = setInterval(() => socket.writable && socket.write(`X-Slow-${n++}: a\r\n`), 200);
  });
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      clearInterval(trickle);
      resolve();
    }),
  );
  return { socket, closed, refusedAt };
}

// The server Stator runs itself, attacked with 3,000 slowloris sockets: at most http.max_connections
// are ever open, the rest are closed at once, and every one of them is closed by the server (the
// header deadline) without the attacker letting go; then the server answers normally again.
describe('http server against slowloris', () => {
  let server: StatorServer;
  const stator: ObservedStator = { health: () => ({ status: 'up' }), status$: new BehaviorSubject({ status: 'up' }) };

  beforeAll(async () => {
    server = await startStatorServer(stator, {
      port: 0,
      heartbeatSeconds: 0,
      maxConnections: CAP,
      headersTimeout: 1,
      requestTimeout: 2,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const openConnections = (): Promise<number> =>
    new Promise((resolve, reject) =>
      server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );

  it(`keeps at most ${CAP} of ${ATTACKERS} slow connections open and closes every one of them itself`, async () => {
    let peak = 0;
    const sample = setInterval(() => void openConnections().then((c) => (peak = Math.max(peak, c))), 20);
    const clients = Array.from({ length: ATTACKERS }, () => slowClient(server.address.port));
    await Promise.all(clients.map((c) => c.refusedAt));
    const afterConnect = await openConnections();
    await Promise.all(clients.map((c) => c.closed)); // the attacker never closes: only the server can end these
    clearInterval(sample);

    expect(afterConnect).toBeLessThanOrEqual(CAP);
    expect(peak).toBeLessThanOrEqual(CAP);
    expect(clients.every((c) => c.socket.destroyed)).toBe(true);
    expect(await openConnections()).toBe(0);

    const r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'up' });
  });

  it('answers a slow header with 408 and closes the connection', async () => {
    const client = slowClient(server.address.port);
    let received = '';
    client.socket.on('data', (d: Buffer) => (received += d.toString()));
    await client.closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});
