import { describe, expect, it } from 'vitest';
import { MemcachedServers } from '../../../src/cache/drivers/memcached-servers.js';
import type { NodeSignal } from '../../../src/cache/driver.js';
import { TestClock } from '../../../src/kernel/clock.js';

function setup(answering: Set<string>, failure = () => new Error('connect ECONNREFUSED')) {
  const clock = new TestClock();
  const signals: Array<[string, NodeSignal]> = [];
  const probes: string[] = [];
  const servers = new MemcachedServers({
    addresses: ['a:1', 'b:2'],
    clock,
    retryDelayMs: 200,
    probe: async (address) => {
      probes.push(address);
      if (!answering.has(address)) throw failure();
    },
    observer: (address, signal) => signals.push([address, signal]),
  });
  return { clock, signals, probes, servers };
}

describe('MemcachedServers', () => {
  it('a server that stops answering is unresponsive while its probe times out, reconnecting once it refuses, ready when it answers', async () => {
    const answering = new Set(['a:1', 'b:2']);
    let failure = new Error('socket timed out waiting on response.');
    const { servers, signals, clock } = setup(answering, () => failure);
    await servers.probeAll();
    answering.delete('b:2');
    servers.markUnresponsive('b:2', new Error('no answer within 500 ms'));
    servers.markUnresponsive('b:2', new Error('again')); // already down: nothing new
    servers.markDown('b:2', new Error('read ECONNRESET')); // already down: nothing new
    expect(servers.isDown('b:2')).toBe(true);
    await clock.advance(200);
    await clock.advance(200);
    const of = (address: string) => signals.filter(([a]) => a === address).map(([, signal]) => signal);
    expect(of('b:2')).toEqual(['ready', 'unresponsive']);
    failure = new Error('connect ECONNREFUSED');
    await clock.advance(200);
    expect(of('b:2')).toEqual(['ready', 'unresponsive', 'reconnecting']);
    answering.add('b:2');
    await clock.advance(200);
    expect(of('b:2')).toEqual(['ready', 'unresponsive', 'reconnecting', 'ready']);
    expect(servers.anyDown).toBe(false);
    servers.stop();
  });

  it('probeAll reports each server once as ready or down', async () => {
    const { servers, signals } = setup(new Set(['a:1']));
    expect(await servers.probeAll()).toEqual(['a:1']);
    expect(signals).toEqual([
      ['a:1', 'ready'],
      ['b:2', 'error'],
      ['b:2', 'reconnecting'],
    ]);
    expect(servers.anyDown).toBe(true);
    servers.stop();
  });

  it('a server marked down is probed every retry_delay until it answers, then reported ready', async () => {
    const answering = new Set(['a:1', 'b:2']);
    const { servers, signals, probes, clock } = setup(answering);
    await servers.probeAll();
    answering.delete('b:2');
    servers.markDown('b:2', new Error('socket timed out waiting on response.'));
    servers.markDown('b:2', new Error('again')); // already down: nothing new
    probes.length = 0;
    await clock.advance(200);
    await clock.advance(200);
    expect(probes).toEqual(['b:2', 'b:2']);
    answering.add('b:2');
    await clock.advance(200);
    expect(servers.isDown('b:2')).toBe(false);
    expect(signals.filter(([a]) => a === 'b:2').map(([, s]) => s)).toEqual([
      'ready',
      'error',
      'reconnecting',
      'reconnecting',
      'reconnecting',
      'ready',
    ]);
    await clock.advance(1000);
    expect(probes).toHaveLength(3);
    servers.stop();
  });

  it('an operation that succeeds on a down server marks it up at once; stop() ends probing', async () => {
    const { servers, clock, probes } = setup(new Set());
    servers.markDown('a:1', new Error('down'));
    servers.markUp('a:1');
    expect(servers.anyDown).toBe(false);
    servers.markDown('b:2', new Error('down'));
    servers.stop();
    await clock.advance(1000);
    expect(probes).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
