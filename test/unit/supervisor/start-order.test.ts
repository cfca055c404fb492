import { describe, expect, it } from 'vitest';
import { isDependencyCycleError } from '../../../src/errors/dependency-cycle-error.js';
import { isUnknownDependencyError } from '../../../src/errors/unknown-dependency-error.js';
import { callsOf } from './fake-layer.js';
import { diamond, harness, stopAll, track } from './harness.js';

describe('supervisor: start order', () => {
  it('starts a diamond in dependency order, b and c in parallel', async () => {
    const h = harness(['d', 'c', 'b', 'a'], diamond(), (layers) => {
      for (const layer of Object.values(layers)) layer.startTime = 100;
    });
    const started = track(h.stator.start());

    await h.clock.advance(50);
    expect(callsOf(h.log, 'start')).toEqual(['a']);
    expect(h.stator.health().resources.a?.state).toBe('initializing');
    expect(h.stator.health().resources.b?.state).toBe('idle');

    await h.clock.advance(100); // a ready at 100, b and c start together
    expect(callsOf(h.log, 'start')[0]).toBe('a');
    expect(callsOf(h.log, 'start').slice(1).sort()).toEqual(['b', 'c']);
    expect(h.log.inFlight).toEqual(new Set(['b', 'c']));

    await h.clock.advance(200);
    expect(callsOf(h.log, 'start')[3]).toBe('d');
    expect(h.log.maxInFlight).toEqual(['b', 'c']);
    expect(h.log.entries.find((e) => e.call === 'start:d')?.time).toBe(200);
    expect(started).toMatchObject({ settled: true });
    expect(started.error).toBeUndefined();

    const health = h.stator.health();
    expect(health.status).toBe('up');
    expect(health.supervisor).toBe('running');
    expect(Object.keys(health.resources)).toEqual(['a', 'c', 'b', 'd']); // start order, ties in registration order
    expect(health.resources.d).toMatchObject({ state: 'ready', since: 300, attempts: 1, dependsOn: ['b', 'c'] });
    expect(h.layers.d?.lastDependencies.sort()).toEqual(['b', 'c']);
    await stopAll(h);
  });

  it('resolves start() only once every resource has settled', async () => {
    const h = harness(['a', 'slow'], { supervisor: { resources: { slow: { optional: true } } } }, (layers) => {
      (layers.slow as { startTime: number }).startTime = 5_000;
    });
    const started = track(h.stator.start());
    await h.clock.advance(4_000);
    expect(started.settled).toBe(false);
    await h.clock.advance(1_000);
    expect(started.settled).toBe(true);
    await stopAll(h);
  });

  it('database depends on cache and filesystem by default; explicit depends_on overrides', async () => {
    const byDefault = harness(['database', 'cache', 'filesystem']);
    expect(byDefault.stator.health().resources.database?.dependsOn).toEqual(['cache', 'filesystem']);
    expect(Object.keys(byDefault.stator.health().resources)).toEqual(['cache', 'filesystem', 'database']);

    const explicit = harness(['database', 'cache', 'filesystem'], { database: { depends_on: ['filesystem'] } });
    expect(explicit.stator.health().resources.database?.dependsOn).toEqual(['filesystem']);
  });

  it('rejects a dependency cycle at creation, naming it', () => {
    let error: unknown;
    try {
      harness(['database', 'cache', 'filesystem'], { cache: { depends_on: ['database'] } });
    } catch (e) {
      error = e;
    }
    expect(isDependencyCycleError(error)).toBe(true);
    expect((error as Error & { cycle: string[] }).cycle).toEqual(['cache', 'database', 'cache']);
    expect((error as Error).message).toContain('cache -> database -> cache');
    expect((error as { code: string }).code).toBe('DEPENDENCY_CYCLE');
  });

  it('names a longer cycle among custom resources', () => {
    expect(() =>
      harness(['a', 'b', 'c'], {
        supervisor: { resources: { a: { depends_on: ['c'] }, b: { depends_on: ['a'] }, c: { depends_on: ['b'] } } },
      }),
    ).toThrow(/a -> c -> b -> a/);
  });

  it('rejects depends_on naming a resource that does not run', () => {
    let error: unknown;
    try {
      harness(['a', 'b'], { supervisor: { resources: { b: { depends_on: ['cahce'] } } } });
    } catch (e) {
      error = e;
    }
    expect(isUnknownDependencyError(error)).toBe(true);
    expect((error as Error).message).toContain('b.depends_on names "cahce"');
  });

  it('starts nothing before start() and reports every resource idle', () => {
    const h = harness(['a', 'b']);
    const health = h.stator.health();
    expect(health).toMatchObject({ status: 'down', supervisor: 'idle' });
    expect(health.resources.a?.state).toBe('idle');
    expect(h.log.entries).toEqual([]);
  });
});
