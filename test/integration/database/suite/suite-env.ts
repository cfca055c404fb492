import { afterAll, afterEach, beforeAll } from 'vitest';
import type { StatorConfigInput } from '../../../../src/config/schema.js';
import { createDatabaseLayer, type DatabaseLayer, type DatabaseLayerDeps } from '../../../../src/database/index.js';
import type { StatorEvent } from '../../../../src/kernel/event-bus.js';
import type { Clock } from '../../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../../src/kernel/context.js';
import { createDbFixture, type ContextOptions, type DbFixture, type DbServer, type Driver } from '../db-fixture.js';

/** A started database layer and what a test inspects around it. */
export interface Started {
  readonly layer: DatabaseLayer;
  readonly ctx: RuntimeContext & { readonly seen: StatorEvent[] };
}

/** What every part of the behavioural suite gets: the driver, its fixture, and a way to start layers. */
export interface SuiteEnv {
  readonly driver: Driver;
  fixture(): DbFixture;
  /** Starts a database layer on this file's database; stopped after the test. */
  start(
    overrides?: StatorConfigInput,
    deps?: DatabaseLayerDeps,
    clock?: Clock,
    options?: ContextOptions,
  ): Promise<Started>;
}

export const never = (): AbortSignal => new AbortController().signal;

/**
 * Sets up the fixture of one test file (its own database) and the per-test layers. `server`
 * (called in `beforeAll`, after the file's own hooks) points the suite at a server the file
 * started itself; default: the shared server of `driver`.
 */
export function suiteEnv(driver: Driver, server?: () => DbServer): SuiteEnv {
  let fx: DbFixture | undefined;
  const running: DatabaseLayer[] = [];
  beforeAll(async () => {
    fx = await createDbFixture(driver, server?.());
  });
  afterEach(async () => {
    const stopping = running.splice(0);
    await Promise.all(stopping.map((l) => l.stop(AbortSignal.timeout(5000)).catch(() => undefined)));
  });
  afterAll(async () => {
    await fx?.drop();
  });
  return {
    driver,
    fixture: () => {
      if (!fx) throw new Error('fixture not ready');
      return fx;
    },
    async start(overrides, deps, clock, options) {
      const ctx = this.fixture().context(overrides, clock, options);
      const layer = createDatabaseLayer(ctx, deps);
      running.push(layer);
      await layer.start({ signal: never(), attempt: 1, dependencies: new Map() });
      return { layer, ctx };
    },
  };
}

/** Resolves once `predicate` holds, polling every few milliseconds (gives up after 20 s). */
export async function until(predicate: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A promise with its resolver outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Pool figures from the layer's details. */
export function poolStats(layer: DatabaseLayer): {
  busy: number;
  idle: number;
  total: number;
  pending: number;
  max: number;
} {
  return layer.details?.().pool as { busy: number; idle: number; total: number; pending: number; max: number };
}

/** A SQL expression that sleeps `seconds` on the server (SQLite has none: undefined). */
export function sleepSql(driver: Driver, seconds: number): string | undefined {
  if (driver === 'postgresql') return `SELECT pg_sleep(${seconds})`;
  if (driver === 'mysql') return `SELECT SLEEP(${seconds})`;
  return undefined;
}
