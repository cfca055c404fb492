import memjs from 'memjs';
import { afterAll, describe, expect, it } from 'vitest';
import { capture, expectKind, suffix } from './support/capture.js';
import { PORTS, startTcp } from './support/servers.js';

// Errors captured from real Memcached servers through memjs: the shared one at 11211 (own key
// prefix), a refused port, and a server that never answers.
const prefix = `stator-test:resilience-detector:${suffix()}:`;
const silentLogger = { log: (): void => undefined };
const clients: memjs.Client[] = [];

function client(server: string, options: memjs.ClientOptions = {}): memjs.Client {
  const c = memjs.Client.create(server, {
    retries: 1,
    timeout: 0.2,
    conntimeout: 0.2,
    logger: silentLogger,
    ...options,
  });
  clients.push(c);
  return c;
}

afterAll(async () => {
  const c = client('127.0.0.1:11211');
  await c.delete(`${prefix}big`).catch(() => undefined);
  for (const x of clients) x.close();
});

describe('error detector — Memcached (memjs), real errors', () => {
  it('connection refused: ECONNREFUSED, transient', async () => {
    const error = await capture(() => client(`127.0.0.1:${PORTS.refused}`).get(`${prefix}k`));
    expectKind(error, 'connection-refused', { transient: true, countsAsFailure: true });
  });

  it("a server that never answers: memjs' socket timeout, transient", async () => {
    const server = await startTcp(PORTS.silentMemcached, () => undefined);
    try {
      const error = await capture(() => client(`127.0.0.1:${PORTS.silentMemcached}`).get(`${prefix}k`));
      expect((error as Error).message).toMatch(/socket timed out/);
      expectKind(error, 'timeout', { transient: true });
    } finally {
      await server.close();
    }
  });

  it('a value over the item size limit: "Value too large", the caller\'s mistake', async () => {
    const error = await capture(() =>
      client('127.0.0.1:11211').set(`${prefix}big`, Buffer.alloc(2 * 1024 * 1024, 1), {}),
    );
    expect((error as Error).message).toMatch(/^MemJS SET: Value too large/);
    expectKind(error, 'invalid-input', { transient: false, countsAsFailure: false, fallbackAllowed: false });
  });

  it('a miss is not an error: get resolves with a null value', async () => {
    const { value } = await client('127.0.0.1:11211').get(`${prefix}missing`);
    expect(value).toBeNull();
  });
});
