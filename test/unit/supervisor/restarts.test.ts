import { describe, expect, it } from 'vitest';
import { callsOf } from './fake-layer.js';
import { advanceUntil, diamond, harness, stopAll, track, type Harness } from './harness.js';

/** Starts the harness and waits until it runs. */
async function running(h: Harness): Promise<void> {
  const started = track(h.stator.start());
  await advanceUntil(h.clock, () => started.settled, 'start()');
  expect(started.error).toBeUndefined();
}

/** Calls made since the log had `from` entries, as `kind:name`. */
const since = (h: Harness, from: number): string[] =>
  h.log.entries
    .slice(from)
    .map((e) => e.call)
    .filter((c) => !c.startsWith('check:'));

describe('supervisor: restarts', () => {
  it('one_for_one restarts only the resource that failed', async () => {
    const h = harness(['a', 'b', 'c', 'd'], diamond({ strategy: 'one_for_one' }));
    await running(h);
    const mark = h.log.entries.length;
    h.layers.b!.checkBehavior = 'reject';

    await advanceUntil(h.clock, () => h.stator.health().resources.b?.state === 'recovering', 'b recovering');
    expect(h.stator.health().status).toBe('down'); // a required resource whose check fails
    await advanceUntil(h.clock, () => callsOf(h.log, 'stop').includes('b'), 'b stopped for its restart');
    h.layers.b!.checkBehavior = 'ok';
    await advanceUntil(h.clock, () => h.stator.health().status === 'up', 'back up');

    expect(since(h, mark)).toEqual(['stop:b', 'start:b', 'ready:b']);
    const health = h.stator.health();
    expect(health.resources.b).toMatchObject({ state: 'ready', restarts: 1 });
    expect(health.resources.b?.lastError?.message).toBe('b check rejected');
    expect(health.resources.d).toMatchObject({ state: 'ready', restarts: 0 });
    expect(health.recentRestarts).toBe(1);
    await stopAll(h);
  });

  it('rest_for_one stops the failed resource and its dependents (dependents first), then starts them in order', async () => {
    const h = harness(['a', 'b', 'c', 'd'], diamond({ strategy: 'rest_for_one' }));
    await running(h);
    const mark = h.log.entries.length;
    h.layers.a!.checkBehavior = 'down';

    await advanceUntil(h.clock, () => callsOf(h.log, 'stop').includes('a'), 'a stopped for its restart');
    h.layers.a!.checkBehavior = 'ok';
    await advanceUntil(h.clock, () => h.stator.health().status === 'up', 'back up');

    const calls = since(h, mark);
    expect(calls[0]).toBe('stop:d');
    expect(calls.slice(1, 3).sort()).toEqual(['stop:b', 'stop:c']);
    expect(calls[3]).toBe('stop:a');
    expect(calls.slice(4, 6)).toEqual(['start:a', 'ready:a']);
    expect(calls.slice(6, 8).sort()).toEqual(['start:b', 'start:c']);
    expect(calls.slice(-2)).toEqual(['start:d', 'ready:d']);
    expect(h.stator.health().resources.a).toMatchObject({ restarts: 1, lastError: { message: 'a is down' } });
    await stopAll(h);
  });

  it('with on_exhausted: halt, escalates to failed past max_restarts within restart_period, stopping everything', async () => {
    const h = harness(['a', 'b'], {
      supervisor: {
        max_restarts: 2,
        restart_period: 600,
        on_exhausted: 'halt',
        resources: { b: { depends_on: ['a'] } },
      },
    });
    await running(h);
    h.layers.b!.checkBehavior = 'reject';

    await advanceUntil(h.clock, () => h.stator.health().supervisor === 'failed', 'supervisor failed');
    expect(h.layers.b!.starts).toBe(3); // first start + 2 restarts
    await advanceUntil(
      h.clock,
      () => Object.values(h.stator.health().resources).every((r) => r.state === 'stopped'),
      'all stopped',
    );

    const health = h.stator.health();
    expect(health).toMatchObject({
      status: 'down',
      supervisor: 'failed',
      failure: { reason: 'restart_intensity', resources: ['b'] },
    });
    expect(health.resources.b?.lastError?.message).toBe('b check rejected');
    expect(callsOf(h.log, 'stop').slice(-2)).toEqual(['b', 'a']);
    const report = await stopAll(h); // idempotent after a failure: resolves at once
    expect(report.order.slice(-2)).toEqual(['b', 'a']);
  });

  it('forgets restarts older than restart_period', async () => {
    const h = harness(['a'], {
      monitoring: { health_interval: 10 },
      supervisor: { max_restarts: 1, restart_period: 30 },
    });
    await running(h);
    for (let round = 1; round <= 3; round++) {
      h.layers.a!.checkBehavior = 'reject';
      await advanceUntil(h.clock, () => h.layers.a!.starts === round + 1, `restart ${round}`);
      h.layers.a!.checkBehavior = 'ok';
      expect(h.stator.health().supervisor).toBe('running');
      await h.clock.advance(31_000); // the restart leaves the window
      expect(h.stator.health().recentRestarts).toBe(0);
    }
    expect(h.stator.health().resources.a?.restarts).toBe(3);
    await stopAll(h);
  });
});

describe('supervisor: crash-loop back-off (on_exhausted: backoff, the default)', () => {
  it('keeps restarting a required resource past max_restarts, doubling the back-off up to max_backoff, and never stops the others', async () => {
    const h = harness(['a', 'b'], {
      monitoring: { health_interval: 10 },
      supervisor: {
        max_restarts: 1,
        restart_period: 600,
        initial_backoff: 2,
        max_backoff: 8,
        resources: { b: { retry_attempts: 0 } },
      },
    });
    await running(h);
    h.layers.b!.checkBehavior = 'reject';
    h.layers.b!.startBehavior = 'reject';
    const backoffs: number[] = [];
    let previous: number | undefined;
    const sub = h.stator.status$.subscribe((s) => {
      const ms = s.resources.b?.backoffMs;
      if (ms !== undefined && previous === undefined) backoffs.push(ms);
      previous = ms;
    });
    // An outage far longer than max_restarts × restart_period's worth of restarts.
    await advanceUntil(h.clock, () => h.layers.b!.starts >= 8, 'eight starts of b');
    sub.unsubscribe();
    const health = h.stator.health();
    expect(health).toMatchObject({ supervisor: 'running', status: 'down' });
    expect(health.resources.b?.lastError?.message).toMatch(/^b (start|check) rejected/);
    expect(backoffs.slice(0, 4)).toEqual([2000, 4000, 8000, 8000]);
    expect(h.layers.a!.stops).toBe(0);
    expect(health.resources.a?.state).toBe('ready');

    h.layers.b!.startBehavior = 'ok';
    h.layers.b!.checkBehavior = 'ok';
    await advanceUntil(h.clock, () => h.stator.health().status === 'up', 'b back after its back-off');
    expect(h.stator.health().resources.b?.backoffMs).toBeUndefined();
    await stopAll(h);
  });

  it('a required resource that fails at start still fails start() (the embedder decides)', async () => {
    const h = harness(['a'], { supervisor: { resources: { a: { retry_attempts: 0 } } } }, (layers) => {
      layers.a!.startBehavior = 'reject';
    });
    const started = track(h.stator.start());
    await advanceUntil(h.clock, () => started.settled, 'start()');
    expect(started.error).toBeDefined();
    expect(h.stator.health().failure?.reason).toBe('startup');
    await stopAll(h);
  });
});

describe('supervisor: optional resources', () => {
  it('an optional resource that fails to start leaves the runtime degraded, and its dependents still start', async () => {
    const h = harness(
      ['a', 'extra', 'uses'],
      {
        supervisor: { resources: { extra: { optional: true, retry_attempts: 1 }, uses: { depends_on: ['extra'] } } },
      },
      (layers) => {
        layers.extra!.startBehavior = 'reject';
      },
    );
    await running(h);
    const health = h.stator.health();
    expect(health.status).toBe('degraded');
    expect(health.supervisor).toBe('running');
    expect(health.resources.extra).toMatchObject({ state: 'failed', optional: true, attempts: 2 });
    expect(health.resources.extra?.lastError?.message).toBe('extra start rejected (attempt 2)');
    expect(health.resources.uses?.state).toBe('ready');
    expect(h.layers.uses!.lastDependencies).toEqual([]);
    await stopAll(h);
  });

  it('an optional resource failing past the restart intensity is revived in the background with back-off', async () => {
    const h = harness(['a', 'extra'], { supervisor: { max_restarts: 1, resources: { extra: { optional: true } } } });
    await running(h);
    h.layers.extra!.checkBehavior = 'reject';
    h.layers.extra!.startBehavior = (attempt) => (attempt === 1 && h.layers.extra!.starts === 1 ? 'ok' : 'reject');
    await advanceUntil(
      h.clock,
      () => (h.stator.health().resources.extra?.backoffMs ?? 0) > 0,
      'extra waits out a back-off',
    );
    const starts = h.layers.extra!.starts;
    expect(h.stator.health()).toMatchObject({ status: 'degraded', supervisor: 'running' });
    await advanceUntil(h.clock, () => h.layers.extra!.starts > starts, 'extra started again');
    h.layers.extra!.startBehavior = 'ok';
    h.layers.extra!.checkBehavior = 'ok';
    await advanceUntil(h.clock, () => h.stator.health().status === 'up', 'extra back');
    expect(h.stator.health().resources.a?.state).toBe('ready');
    expect(callsOf(h.log, 'stop')).not.toContain('a');
    await stopAll(h);
  });
});
