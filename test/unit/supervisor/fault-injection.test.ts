import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStartupError, type StartupError } from '../../../src/errors/startup-error.js';
import type { Behavior } from './fake-layer.js';
import { advanceUntil, harness, stopAll, track } from './harness.js';

/**
 * Every resource's initialization and health check throws synchronously, rejects, and hangs, in
 * turn. The host process must keep running: no unhandled rejection, no uncaught exception.
 */
const RESOURCES = ['cache', 'filesystem', 'database'] as const;
const FAULTS: readonly Exclude<Behavior, 'ok'>[] = ['throw', 'reject', 'hang'];

const config = {
  monitoring: { health_interval: 10 },
  cache: { retry_attempts: 1, retry_delay: 1, timeout: 3 },
  database: { retry_attempts: 1, retry_delay: 1, timeout: 3 },
  supervisor: {
    max_restarts: 1,
    on_exhausted: 'halt' as const,
    resource_defaults: { retry_attempts: 1, retry_delay: 1, timeout: 3 },
  },
};

const startMessage = (name: string, fault: string): string =>
  fault === 'hang'
    ? 'initialization attempt 2 took longer than 3 s'
    : `${name} start ${fault === 'throw' ? 'threw' : 'rejected'} (attempt 2)`;

const checkMessage = (name: string, fault: string): string =>
  fault === 'hang'
    ? 'the health check took longer than 3 s'
    : `${name} check ${fault === 'throw' ? 'threw' : 'rejected'}`;

describe('fault injection: no failure inside Stator reaches the host process', () => {
  const escaped: unknown[] = [];
  const onRejection = (reason: unknown): void => void escaped.push(reason);
  const onException = (error: unknown): void => void escaped.push(error);

  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });

  afterAll(async () => {
    // Give late rejections a chance to surface before the listeners go.
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    expect(escaped).toEqual([]);
  });

  for (const name of RESOURCES) {
    for (const fault of FAULTS) {
      it(`${name}: initialization that ${fault}s fails startup with a StartupError and health() says why`, async () => {
        const h = harness(RESOURCES, config, (layers) => {
          layers[name]!.startBehavior = fault;
        });
        const started = track(h.stator.start());
        await advanceUntil(h.clock, () => started.settled, 'start() to settle');

        expect(isStartupError(started.error)).toBe(true);
        const failure = (started.error as StartupError).failures[0];
        expect(failure).toMatchObject({ resource: name, attempts: 2, message: startMessage(name, fault) });
        const health = h.stator.health();
        expect(health.status).toBe('down');
        expect(health.failure).toEqual({ reason: 'startup', resources: [name] });
        expect(health.resources[name]?.lastError?.message).toBe(startMessage(name, fault));
        if (fault === 'hang') expect(h.layers[name]!.aborted).toBe(2);
        expect(escaped).toEqual([]);
      });

      it(`${name}: a health check that ${fault}s moves it to recovering, then failed, and health() says why`, async () => {
        const h = harness(RESOURCES, config);
        const started = track(h.stator.start());
        await advanceUntil(h.clock, () => started.settled, 'start()');
        expect(started.error).toBeUndefined();

        h.layers[name]!.checkBehavior = fault;
        await advanceUntil(
          h.clock,
          () => h.stator.health().resources[name]?.state === 'recovering',
          `${name} recovering`,
        );
        expect(h.stator.health()).toMatchObject({
          status: 'down',
          resources: { [name]: { state: 'recovering', lastError: { message: checkMessage(name, fault) } } },
        });

        // It never recovers: restarted once (max_restarts 1), then the supervisor gives up (on_exhausted: halt).
        await advanceUntil(h.clock, () => h.stator.health().supervisor === 'failed', 'supervisor failed');
        const health = h.stator.health();
        expect(health.status).toBe('down');
        expect(health.failure).toEqual({ reason: 'restart_intensity', resources: [name] });
        expect(health.resources[name]?.lastError?.message).toBe(checkMessage(name, fault));
        expect(h.layers[name]!.starts).toBe(2);
        await stopAll(h);
        expect(escaped).toEqual([]);
      });
    }
  }

  it('a health$ that errors and a details() that throws are reported, not thrown', async () => {
    const h = harness(['cache'], config, (layers) => {
      Object.assign(layers.cache!, {
        details: () => {
          throw new Error('details exploded');
        },
      });
    });
    const started = track(h.stator.start());
    await advanceUntil(h.clock, () => started.settled, 'start()');
    h.layers.cache!.health.error(new Error('health stream broke'));
    await h.clock.advance(0);
    const cache = h.stator.health().resources.cache;
    expect(cache).toMatchObject({ state: 'recovering', lastError: { message: 'health stream broke' } });
    expect(cache?.details).toEqual({ error: 'details exploded' });
    await stopAll(h);
    expect(escaped).toEqual([]);
  });
});
