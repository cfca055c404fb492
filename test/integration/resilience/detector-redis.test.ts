import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, expectKind, suffix } from './support/capture.js';
import { PORTS, startRedis, type ChildServer } from './support/servers.js';

// Errors captured from real Redis servers (ioredis 6): the shared one at 6379 (own key prefix),
// and servers on reserved ports that this file stops, freezes or protects with a password.
const prefix = `stator-test:resilience-detector:${suffix()}:`;
const quiet = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: (): null => null } as const;
const clients: Redis[] = [];
/** Errors each client emitted (ioredis reports connection-level errors as 'error' events). */
const emitted = new WeakMap<Redis, Error[]>();

function redis(options: RedisOptions): Redis {
  const c = new Redis(options);
  const errors: Error[] = [];
  emitted.set(c, errors);
  c.on('error', (e: Error) => errors.push(e));
  clients.push(c);
  return c;
}

let stopped: ChildServer;
let protectedServer: ChildServer;
let frozen: ChildServer;

beforeAll(async () => {
  [stopped, protectedServer, frozen] = await Promise.all([
    startRedis(PORTS.redisStopped),
    startRedis(PORTS.redisPassword, ['--requirepass', 'correct-horse']),
    startRedis(PORTS.redisFrozen),
  ]);
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  const shared = new Redis({ port: 6379 });
  const keys = await shared.keys(`${prefix}*`);
  if (keys.length) await shared.del(...keys);
  shared.disconnect();
  await Promise.all([stopped.stop(), protectedServer.stop(), frozen.stop()]);
});

describe('error detector — Redis (ioredis), real errors', () => {
  it('connection refused: ECONNREFUSED; later commands: "Connection is closed."', async () => {
    const c = redis({ port: PORTS.refused, ...quiet });
    const rejected = await capture(() => c.connect());
    const refused = emitted.get(c)![0];
    expectKind(refused, 'connection-refused', { transient: true, countsAsFailure: true, code: 'ECONNREFUSED' });
    expect((rejected as Error).message).toBe('Connection is closed.');
    expectKind(rejected, 'connection-lost', { transient: true });
    const closed = await capture(() => c.get('k'));
    expectKind(closed, 'connection-lost', { transient: true });
  });

  it('a Redis that stops under a connected client: every error it produces is connection trouble', async () => {
    const retrying = redis({ port: PORTS.redisStopped, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    const offline = redis({ port: PORTS.redisStopped, enableOfflineQueue: false, retryStrategy: () => 50 });
    await retrying.ping();
    // Without an offline queue a command fails until the connection is ready: wait for it.
    if (offline.status !== 'ready') await new Promise((resolve) => offline.once('ready', resolve));
    await offline.ping();
    await stopped.stop();
    const maxRetries = await capture(() => retrying.get('k'));
    expect((maxRetries as Error).name).toBe('MaxRetriesPerRequestError');
    expectKind(maxRetries, 'connection-lost', { transient: true });
    const notWritable = await capture(() => offline.get('k'));
    expect((notWritable as Error).message).toMatch(/enableOfflineQueue/);
    expectKind(notWritable, 'connection-lost', { transient: true });
  });

  it('a password-protected Redis: NOAUTH without a password, WRONGPASS with a wrong one', async () => {
    const none = redis({ port: PORTS.redisPassword, maxRetriesPerRequest: 0 });
    const noauth = await capture(() => none.get('k'));
    expect((noauth as Error).message).toMatch(/^NOAUTH/);
    expectKind(noauth, 'authentication', { transient: false, countsAsFailure: true, code: 'NOAUTH' });
    const wrong = redis({ port: PORTS.redisPassword, password: 'wrong-password', ...quiet });
    await capture(() => wrong.connect());
    const wrongpass = emitted.get(wrong)!.find((e) => /^WRONGPASS/.test(e.message));
    expect(
      wrongpass,
      emitted
        .get(wrong)!
        .map((e) => e.message)
        .join(' | '),
    ).toBeDefined();
    expectKind(wrongpass, 'authentication', { transient: false, code: 'WRONGPASS' });
  });

  it('a frozen Redis: "Command timed out", transient', async () => {
    const c = redis({ port: PORTS.redisFrozen, commandTimeout: 100, maxRetriesPerRequest: 0 });
    await c.ping();
    frozen.child.kill('SIGSTOP');
    try {
      const error = await capture(() => c.get('k'));
      expect((error as Error).message).toBe('Command timed out');
      expectKind(error, 'timeout', { transient: true });
    } finally {
      frozen.child.kill('SIGCONT');
    }
  });

  it("a command on a key of the wrong type: WRONGTYPE, the caller's mistake", async () => {
    const c = redis({ port: 6379 });
    await c.set(`${prefix}string`, 'x');
    const error = await capture(() => c.lpush(`${prefix}string`, 'y'));
    expectKind(error, 'invalid-query', {
      transient: false,
      countsAsFailure: false,
      fallbackAllowed: false,
      code: 'WRONGTYPE',
    });
  });

  it('an unknown command: syntax', async () => {
    const c = redis({ port: 6379 });
    const error = await capture(() => c.call('NOSUCHCOMMAND'));
    expectKind(error, 'syntax', { transient: false });
  });
});
