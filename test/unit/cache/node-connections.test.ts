import { describe, expect, it } from 'vitest';
import { NodeConnections } from '../../../src/cache/node-connections.js';
import type { LayerHealth } from '../../../src/kernel/layer.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { cacheTestContext } from './test-context.js';

function setup() {
  const clock = new TestClock(1000);
  const ctx = cacheTestContext({ driver: 'redis' }, { clock });
  const nodes = new NodeConnections(ctx);
  const health: LayerHealth[] = [];
  nodes.health$.subscribe((h) => health.push(h));
  return { ctx, clock, nodes, health };
}

describe('NodeConnections', () => {
  it('turns driver signals into connection-machine events, one machine per node, on events$', () => {
    const { ctx, nodes } = setup();
    nodes.observe('10.0.0.1:6379', 'ready');
    nodes.observe('10.0.0.1:6379', 'error', new Error('read ECONNRESET'));
    nodes.observe('10.0.0.1:6379', 'closed');
    nodes.observe('10.0.0.1:6379', 'reconnecting');
    expect(nodes.snapshot()['10.0.0.1:6379']).toMatchObject({
      state: 'reconnecting',
      reconnects: 1,
      lastError: 'read ECONNRESET',
    });
    nodes.observe('10.0.0.1:6379', 'ready');
    expect(nodes.snapshot()['10.0.0.1:6379']?.state).toBe('idle');
    const events = ctx.published.filter((e) => e.source === 'cache/10.0.0.1:6379').map((e) => [e.type, e.state]);
    expect(events).toEqual([
      ['xstate.init', 'creating'],
      ['DRIVER.READY', 'idle'],
      ['DRIVER.ERROR', 'idle'],
      ['DRIVER.CLOSED', 'reconnecting'],
      ['DRIVER.RECONNECTING', 'reconnecting'],
      ['DRIVER.READY', 'idle'],
    ]);
  });

  it('health: up when every node is up, degraded naming the nodes down, down when none is up', () => {
    const { nodes, health } = setup();
    nodes.observe('a:1', 'ready');
    nodes.observe('b:2', 'ready');
    nodes.observe('b:2', 'reconnecting');
    expect(health.at(-1)).toEqual({ status: 'degraded', reason: 'cache nodes down: b:2 (reconnecting)' });
    nodes.observe('a:1', 'closed');
    expect(health.at(-1)?.status).toBe('down');
    nodes.observe('a:1', 'ready');
    nodes.observe('b:2', 'ready');
    expect(health.at(-1)).toEqual({ status: 'up' });
    // Only changes are published.
    expect(health.map((h) => h.status)).toEqual(['up', 'degraded', 'down', 'degraded', 'up']);
  });

  it('a node that ended gets a new machine when it is back; a removed node no longer counts', () => {
    const { nodes, health } = setup();
    nodes.observe('a:1', 'ready');
    nodes.observe('b:2', 'ready');
    nodes.observe('b:2', 'end');
    expect(nodes.snapshot()['b:2']?.state).toBe('failed');
    nodes.observe('b:2', 'error', new Error('still down'));
    expect(nodes.snapshot()['b:2']?.state).toBe('failed');
    nodes.observe('b:2', 'ready');
    expect(nodes.snapshot()['b:2']?.state).toBe('idle');
    nodes.observe('b:2', 'reconnecting');
    expect(health.at(-1)?.status).toBe('degraded');
    nodes.observe('b:2', 'removed');
    expect(Object.keys(nodes.snapshot())).toEqual(['a:1']);
    expect(health.at(-1)).toEqual({ status: 'up' });
  });

  it('retain() forgets nodes that left the topology while down, keeps those up', () => {
    const { nodes } = setup();
    nodes.observe('a:1', 'ready');
    nodes.observe('b:2', 'reconnecting');
    nodes.observe('c:3', 'ready');
    nodes.retain(new Set(['a:1']));
    expect(Object.keys(nodes.snapshot()).sort()).toEqual(['a:1', 'c:3']);
  });

  it('track() shows a node as creating before the driver reports, and stop() retires every machine', () => {
    const { ctx, nodes } = setup();
    nodes.track('a:1');
    expect(nodes.snapshot()['a:1']?.state).toBe('creating');
    nodes.observe('a:1', 'ready');
    nodes.stop();
    expect(nodes.snapshot()).toEqual({});
    const last = ctx.published.filter((e) => e.source === 'cache/a:1').at(-1);
    expect(last?.state).toBe('closed');
  });
});
