import { Socket } from 'node:net';
import memjs from 'memjs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCacheLayer, type CacheLayer } from '../../../src/cache/index.js';
import { cacheTestContext, uniquePrefix, type CacheConfigInput } from '../../unit/cache/test-context.js';

const SIGNAL = new AbortController().signal;
const N = 20;

/**
 * Counts the socket writes (`_write`: one chunk, `_writev`: several in one system call) to
 * `port` while `fn` runs. Node's sockets write through these two methods of `net.Socket`.
 */
async function countWrites<T>(
  port: number,
  fn: () => Promise<T>,
  prefix: string,
): Promise<{ result: T; write: number; writev: number; chunks: number }> {
  // Only the test's own requests (they carry its key prefix): not a health check's PING that
  // the layer's own probe connection may send to the same port meanwhile on a loaded machine.
  const ours = (chunk: unknown): boolean => String(chunk).includes(prefix);
  const counts = { write: 0, writev: 0, chunks: 0 };
  const proto = Socket.prototype as unknown as {
    _write(this: Socket, ...args: unknown[]): void;
    _writev(this: Socket, chunks: unknown[], ...rest: unknown[]): void;
  };
  const write = proto._write;
  const writev = proto._writev;
  const spyWrite = vi.spyOn(proto, '_write').mockImplementation(function (this: Socket, ...args: unknown[]) {
    if (this.remotePort === port && ours(args[0])) {
      counts.write++;
      counts.chunks++;
    }
    write.apply(this, args);
  });
  const spyWritev = vi.spyOn(proto, '_writev').mockImplementation(function (
    this: Socket,
    chunks: unknown[],
    ...rest: unknown[]
  ) {
    const mine = chunks.filter((c) => ours((c as { chunk?: unknown }).chunk));
    if (this.remotePort === port && mine.length > 0) {
      counts.writev++;
      counts.chunks += mine.length;
    }
    writev.call(this, chunks, ...rest);
  });
  try {
    const result = await fn();
    return { result, ...counts };
  } finally {
    spyWrite.mockRestore();
    spyWritev.mockRestore();
  }
}

const keys = Array.from({ length: N }, (_, i) => `k${i}`);

// The first request of a tick is written at once (a lone call pays nothing); from the second on
// the socket is corked until the tick ends.
describe.each([
  { driver: 'redis' as const, port: 6379 },
  { driver: 'memcached' as const, port: 11211 },
])('$driver: the requests of one tick leave in two socket writes', ({ driver, port }) => {
  let layer: CacheLayer | undefined;
  afterEach(async () => {
    await layer?.stop(SIGNAL);
    layer = undefined;
  });

  it(`${N} gets and ${N} sets issued in one tick: the first written at once, the rest in one writev, every answer right and in order`, async () => {
    const prefix = uniquePrefix(`coalesce-${driver}`);
    const cache: CacheConfigInput = {
      driver,
      host: '127.0.0.1',
      port,
      key_prefix: prefix,
      default_ttl: 60,
    };
    layer = createCacheLayer(cacheTestContext(cache));
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    const api = layer.api;
    // memjs opens its socket on the first request (the layer's probes use their own): only a
    // connected socket is held, so the very first calls leave one by one.
    await api.get('warm-up');

    const sets = await countWrites(
      port,
      () => Promise.all(keys.map((k, i) => api.set(k, { i, at: new Date(i) }))),
      prefix,
    );
    expect(sets).toMatchObject({ write: 1, writev: 1, chunks: N });

    const gets = await countWrites(
      port,
      () => Promise.all(keys.map((k) => api.get<{ i: number; at: Date }>(k))),
      prefix,
    );
    expect(gets).toMatchObject({ write: 1, writev: 1, chunks: N });
    expect(gets.result.map((v) => v?.i)).toEqual(keys.map((_, i) => i));
    expect(gets.result[7]?.at).toEqual(new Date(7));

    // Calls in separate ticks are not held back: each leaves on its own.
    const oneByOne = await countWrites(
      port,
      async () => {
        for (const k of keys.slice(0, 3)) await api.get(k);
      },
      prefix,
    );
    expect(oneByOne).toMatchObject({ write: 3, writev: 0, chunks: 3 });
  });

  it('the same calls on the raw client take one write each (what the coalescing saves)', async () => {
    const prefix = uniquePrefix(`coalesce-raw-${driver}`);
    if (driver === 'redis') {
      const raw = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
      await raw.connect();
      try {
        const counts = await countWrites(port, () => Promise.all(keys.map((k) => raw.get(prefix + k))), prefix);
        expect(counts.write + counts.writev).toBeGreaterThan(1);
      } finally {
        raw.disconnect();
      }
    } else {
      const raw = memjs.Client.create(`127.0.0.1:${port}`, { logger: { log: () => undefined } });
      await raw.get(`${prefix}warm`);
      try {
        const counts = await countWrites(port, () => Promise.all(keys.map((k) => raw.get(prefix + k))), prefix);
        expect(counts.write + counts.writev).toBeGreaterThan(1);
      } finally {
        raw.close();
      }
    }
  });
});
