import type { Socket } from 'node:net';
import type memjs from 'memjs';
import { describe, expect, it } from 'vitest';
import { MemcachedWriteCoalescer } from '../../../src/cache/drivers/memcached-write-coalescer.js';

/**
 * A memjs Server stand-in: `sock` hands over its socket at once when connected, later otherwise
 * (`handsOver` false: memjs still says connected but opens a new socket, as after a socket error).
 */
function fakeServer(connected: boolean, handsOver = connected) {
  const log: string[] = [];
  const socket = { cork: () => log.push('cork'), uncork: () => log.push('uncork') } as unknown as Socket;
  const later: Array<(s: Socket) => void> = [];
  const server = {
    connected,
    sock: (_sasl: boolean, go: (s: Socket) => void) => (handsOver ? go(socket) : later.push(go)),
  } as unknown as memjs.Server;
  return { server, log, connectLater: () => later.forEach((go) => go(socket)) };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('MemcachedWriteCoalescer', () => {
  it('corks a connected server on its second request of a tick, once, and uncorks it on the next tick', async () => {
    const coalescer = new MemcachedWriteCoalescer();
    const a = fakeServer(true);
    const b = fakeServer(true);
    coalescer.coalesce(a.server);
    coalescer.coalesce(b.server);
    expect(a.log).toEqual([]);
    coalescer.coalesce(a.server);
    coalescer.coalesce(a.server);
    coalescer.coalesce(b.server);
    expect(a.log).toEqual(['cork']);
    expect(b.log).toEqual(['cork']);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork']);
    expect(b.log).toEqual(['cork', 'uncork']);
    coalescer.coalesce(a.server);
    await nextTick();
    expect(a.log).toEqual(['cork', 'uncork']);
  });

  it('leaves a server that is not connected alone, also once memjs connects it', async () => {
    const coalescer = new MemcachedWriteCoalescer();
    const s = fakeServer(false);
    coalescer.coalesce(s.server);
    coalescer.coalesce(undefined);
    s.connectLater();
    await nextTick();
    expect(s.log).toEqual([]);
  });

  it('does not hold a socket memjs hands over later (a new connection)', async () => {
    const coalescer = new MemcachedWriteCoalescer();
    const s = fakeServer(true, false);
    coalescer.coalesce(s.server);
    coalescer.coalesce(s.server);
    s.connectLater();
    await nextTick();
    expect(s.log).toEqual([]);
  });

  it('release writes out what is held at once', () => {
    const coalescer = new MemcachedWriteCoalescer();
    const s = fakeServer(true);
    coalescer.coalesce(s.server);
    coalescer.coalesce(s.server);
    coalescer.release();
    expect(s.log).toEqual(['cork', 'uncork']);
  });
});
