import type { StatorConfigInput } from '../../../src/config/schema.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { LayerFactory } from '../../../src/runtime/layer-factory.js';
import type { Stator, StopReport } from '../../../src/runtime/stator.js';
import { FakeLayer, newCallLog, type CallLog } from './fake-layer.js';

/** A Stator on a TestClock whose resources are fake layers only (no built-in resource). */
export interface Harness {
  readonly stator: Stator;
  readonly clock: TestClock;
  readonly log: CallLog;
  readonly layers: Record<string, FakeLayer>;
}

/**
 * Makes a Stator running the fake layers `names` (configure them in `configure` before start),
 * with the given configuration; the built-in cache, filesystem and database are removed.
 */
export function harness(
  names: readonly string[],
  config: StatorConfigInput = {},
  configure: (layers: Record<string, FakeLayer>) => void = () => undefined,
): Harness {
  const clock = new TestClock();
  const log = newCallLog();
  const layers: Record<string, FakeLayer> = {};
  for (const name of names) layers[name] = new FakeLayer(name, log, clock);
  configure(layers);
  const factories: Record<string, LayerFactory | false> = { cache: false, filesystem: false, database: false };
  for (const name of names) factories[name] = () => layers[name] as FakeLayer;
  const stator = createStator({
    config,
    clock,
    logger: createLogger({ silent: true }),
    layers: factories,
  });
  return { stator, clock, log, layers };
}

/** Settles a promise without letting its rejection go unhandled, for inspection later. */
export function track<T>(promise: Promise<T>): {
  readonly settled: boolean;
  readonly value?: T;
  readonly error?: unknown;
} {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/**
 * Advances the clock `step` ms at a time until `condition` holds; fails after `limit` ms of
 * simulated time, naming what it waited for.
 */
export async function advanceUntil(
  clock: TestClock,
  condition: () => boolean,
  what: string,
  { step = 100, limit = 600_000 }: { step?: number; limit?: number } = {},
): Promise<void> {
  for (let waited = 0; !condition(); waited += step) {
    if (waited >= limit) throw new Error(`still waiting after ${limit} ms of clock time for: ${what}`);
    await clock.advance(step);
  }
}

/** Stops the Stator, moving the clock until the stop has finished; returns the report. */
export async function stopAll(h: Harness): Promise<StopReport> {
  const stopped = track(h.stator.stop());
  await advanceUntil(h.clock, () => stopped.settled, 'stop() to finish');
  if (stopped.error !== undefined) throw stopped.error;
  return stopped.value as StopReport;
}

/** The diamond a; b, c depend on a; d depends on b and c. */
export const diamond = (extra: StatorConfigInput['supervisor'] = {}): StatorConfigInput => ({
  supervisor: {
    ...extra,
    resources: {
      b: { depends_on: ['a'] },
      c: { depends_on: ['a'] },
      d: { depends_on: ['b', 'c'] },
      ...(extra?.resources ?? {}),
    },
  },
});
