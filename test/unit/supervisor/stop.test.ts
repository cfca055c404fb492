import { describe, expect, it } from 'vitest';
import { callsOf } from './fake-layer.js';
import { advanceUntil, diamond, harness, stopAll, track, type Harness } from './harness.js';

async function running(h: Harness): Promise<void> {
  const started = track(h.stator.start());
  await advanceUntil(h.clock, () => started.settled, 'start()');
  expect(started.error).toBeUndefined();
}

describe('supervisor: stop', () => {
  it('stops in reverse dependency order: dependents before what they depend on', async () => {
    const h = harness(['a', 'b', 'c', 'd'], diamond(), (layers) => {
      for (const layer of Object.values(layers)) layer.stopTime = 100;
    });
    await running(h);
    const report = await stopAll(h);

    const stops = h.log.entries.filter((e) => e.call.startsWith('stop:'));
    const at = (name: string): number => stops.find((e) => e.call === `stop:${name}`)?.time ?? -1;
    expect(stops.map((e) => e.call)[0]).toBe('stop:d');
    expect(at('b')).toBe(at('d') + 100); // b and c together, once d has stopped
    expect(at('c')).toBe(at('d') + 100);
    expect(at('a')).toBe(at('d') + 200);
    expect(report.order[0]).toBe('d');
    expect(report.order.slice(1, 3).sort()).toEqual(['b', 'c']);
    expect(report.order[3]).toBe('a');
    expect(report).toMatchObject({ abandoned: [], errors: [], clean: true });
    expect(h.stator.health()).toMatchObject({ status: 'down', supervisor: 'stopped' });
  });

  it('abandons a stop that hangs after stop_timeout, reports it, and goes on', async () => {
    const h = harness(
      ['a', 'b'],
      { supervisor: { stop_timeout: 5, resources: { b: { depends_on: ['a'] } } } },
      (layers) => {
        layers.b!.stopBehavior = 'hang';
      },
    );
    await running(h);
    const stopStarted = h.clock.now();
    const report = await stopAll(h);

    const aStop = h.log.entries.find((e) => e.call === 'stop:a');
    expect(aStop?.time).toBe(stopStarted + 5_000);
    expect(h.layers.b!.aborted).toBe(1);
    expect(report).toMatchObject({ order: ['b', 'a'], abandoned: ['b'], clean: false });
    const b = h.stator.health().resources.b;
    expect(b).toMatchObject({ state: 'stopped', stopOutcome: 'abandoned' });
    expect(b?.lastError?.message).toBe('stopping took longer than 5 s');
  });

  it('reports a stop that fails and still stops the rest', async () => {
    const h = harness(['a', 'b'], { supervisor: { resources: { b: { depends_on: ['a'] } } } }, (layers) => {
      layers.b!.stopBehavior = 'throw';
    });
    await running(h);
    const report = await stopAll(h);
    expect(report).toMatchObject({
      order: ['b', 'a'],
      errors: [{ resource: 'b', message: 'b stop threw' }],
      clean: false,
    });
    expect(callsOf(h.log, 'stop')).toEqual(['b', 'a']);
  });

  it('is idempotent, resolves at once when nothing was started, and a stopped Stator starts again', async () => {
    const h = harness(['a']);
    await running(h);
    const first = h.stator.stop();
    expect(h.stator.stop()).toBe(first);
    await advanceUntil(h.clock, () => h.stator.health().supervisor === 'stopped', 'stopped');
    expect((await first).order).toEqual(['a']);
    expect(h.layers.a!.stops).toBe(1);

    const idle = harness(['a']);
    expect(await idle.stator.stop()).toEqual({ order: [], abandoned: [], errors: [], clean: true });
    // Stopped before it started: start() runs it all the same.
    await running(idle);
    expect(idle.stator.health().resources.a).toMatchObject({ state: 'ready' });
    await stopAll(idle);
  });

  it('completes status$ and events$ on stop, status$ replaying the last snapshot', async () => {
    const h = harness(['a']);
    let eventsDone = false;
    h.stator.events$.subscribe({ complete: () => (eventsDone = true) });
    await running(h);
    await stopAll(h);
    expect(eventsDone).toBe(true);
    const seen: string[] = [];
    let statusDone = false;
    h.stator.status$.subscribe({ next: (s) => seen.push(s.supervisor), complete: () => (statusDone = true) });
    expect(seen).toEqual(['stopped']);
    expect(statusDone).toBe(true);
  });
});
