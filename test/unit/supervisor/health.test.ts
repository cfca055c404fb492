import { describe, expect, it } from 'vitest';
import type { StatusSnapshot } from '../../../src/status/status-manager.js';
import { advanceUntil, harness, stopAll, track, type Harness } from './harness.js';

async function running(h: Harness): Promise<void> {
  const started = track(h.stator.start());
  await advanceUntil(h.clock, () => started.settled, 'start()');
  expect(started.error).toBeUndefined();
}

describe('supervisor: health', () => {
  it('checks every health_interval; a degraded answer degrades the runtime until an up answer', async () => {
    const h = harness(['a'], { monitoring: { health_interval: 30 } });
    await running(h);
    const readyAt = h.stator.health().resources.a!.since;
    await h.clock.advance(readyAt + 29_999 - h.clock.now());
    expect(h.layers.a!.checks).toBe(0);
    await h.clock.advance(1);
    expect(h.layers.a!.checks).toBe(1);

    h.layers.a!.checkBehavior = 'degraded';
    await h.clock.advance(30_000);
    expect(h.stator.health()).toMatchObject({
      status: 'degraded',
      resources: { a: { state: 'degraded', reason: 'a is slow' } },
    });
    h.layers.a!.checkBehavior = 'ok';
    await h.clock.advance(30_000);
    expect(h.stator.health()).toMatchObject({ status: 'up', resources: { a: { state: 'ready' } } });
    await stopAll(h);
  });

  it('times out a hanging health check and recovers when a re-check passes', async () => {
    const h = harness(['a'], {
      monitoring: { health_interval: 10 },
      supervisor: { resources: { a: { timeout: 2, retry_delay: 1 } } },
    });
    await running(h);
    h.layers.a!.checkBehavior = 'hang';
    await h.clock.advance(12_000);
    expect(h.stator.health().resources.a).toMatchObject({
      state: 'recovering',
      lastError: { message: 'the health check took longer than 2 s' },
    });
    h.layers.a!.checkBehavior = 'ok';
    await h.clock.advance(1_000);
    expect(h.stator.health().resources.a?.state).toBe('ready');
    expect(h.layers.a!.starts).toBe(1);
    await stopAll(h);
  });

  it('acts at once on what the layer reports on health$', async () => {
    const h = harness(['a'], { monitoring: { health_interval: 3600 } });
    await running(h);
    h.layers.a!.health.next({ status: 'degraded', reason: 'one replica down' });
    await h.clock.advance(0);
    expect(h.stator.health().resources.a).toMatchObject({ state: 'degraded', reason: 'one replica down' });

    h.layers.a!.health.next({ status: 'down', error: new Error('connection reset') });
    await h.clock.advance(0);
    expect(h.stator.health().resources.a).toMatchObject({
      state: 'recovering',
      lastError: { message: 'connection reset' },
    });

    h.layers.a!.health.next({ status: 'up' });
    await h.clock.advance(0);
    expect(h.stator.health().resources.a?.state).toBe('ready');
    expect(h.layers.a!.checks).toBe(0);
    await stopAll(h);
  });

  it('status$ replays the latest snapshot and emits each change with since on the clock', async () => {
    const h = harness(['a', 'b'], { supervisor: { resources: { b: { depends_on: ['a'] } } } }, (layers) => {
      layers.a!.startTime = 1_000;
    });
    const seen: StatusSnapshot[] = [];
    h.stator.status$.subscribe((s) => seen.push(s));
    expect(seen.map((s) => s.supervisor)).toEqual(['idle']);
    await running(h);
    const late: StatusSnapshot[] = [];
    h.stator.status$.subscribe((s) => late.push(s));
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ status: 'up', supervisor: 'running' });
    expect(seen.map((s) => `${s.supervisor}:${s.resources.a?.state}/${s.resources.b?.state}`)).toEqual([
      'idle:idle/idle',
      'starting:initializing/idle',
      'starting:ready/initializing',
      'running:ready/ready',
    ]);
    expect(late[0]?.resources.a?.since).toBe(1_000);
    await stopAll(h);
  });

  it('includes what the layer says about itself, scrubbed', async () => {
    const h = harness(['a'], { database: { password: 'sup3r-secret' } }, (layers) => {
      Object.assign(layers.a!, { details: () => ({ url: 'postgres://app:sup3r-secret@db:5432/x', connections: 3 }) });
    });
    await running(h);
    expect(h.stator.health().resources.a?.details).toEqual({
      url: 'postgres://app:[REDACTED]@db:5432/x',
      connections: 3,
    });
    await stopAll(h);
  });
});
