import { createServer, type Server } from 'node:net';
import { StandaloneConnector } from 'ioredis/built/connectors/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SteadyConnector } from '../../../src/kernel/steady-connector.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { sharedRedisSettings } from '../../../src/resilience/shared/redis-settings.js';

// ioredis listens to its socket's first 'error' only; a TLS socket can emit a second one (the
// server's alert after a refused handshake), which must not become an uncaught exception.
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
});

describe('SteadyConnector', () => {
  it("keeps an 'error' listener on the socket after ioredis' once-listener is spent", async () => {
    const stream = await new SteadyConnector({ host: '127.0.0.1', port }).connect(() => undefined);
    const seen: string[] = [];
    stream.once('error', (error: Error) => seen.push(error.message)); // what ioredis does
    expect(() => stream.emit('error', new Error('unknown CA'))).not.toThrow();
    expect(() => stream.emit('error', new Error('tlsv1 alert decode error'))).not.toThrow();
    expect(seen).toEqual(['unknown CA']);
    stream.destroy();
  });

  it("ioredis' own connector leaves the second error unhandled (why the steady one exists)", async () => {
    const stream = await new StandaloneConnector({ host: '127.0.0.1', port }).connect(() => undefined);
    stream.once('error', () => undefined);
    stream.emit('error', new Error('unknown CA'));
    expect(() => stream.emit('error', new Error('tlsv1 alert decode error'))).toThrow('tlsv1 alert decode error');
    stream.destroy();
  });

  it('is the connector of the connections that share breakers and limits through a Redis over TLS', () => {
    const overTls = sharedRedisSettings(loadConfig({ cache: { driver: 'redis', url: 'rediss://127.0.0.1:6380' } }));
    expect(overTls?.options.tls).toBeDefined();
    expect(overTls?.options.Connector).toBe(SteadyConnector);
    const explicit = sharedRedisSettings(
      loadConfig({ error_handling: { redis: { host: '127.0.0.1', port: 6380, tls: {} } } }),
    );
    expect(explicit?.options.Connector).toBe(SteadyConnector);
    const plain = sharedRedisSettings(loadConfig({ cache: { driver: 'redis', url: 'redis://127.0.0.1:6379' } }));
    expect(plain?.options.Connector).toBeUndefined();
  });
});
