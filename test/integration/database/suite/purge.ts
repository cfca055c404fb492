import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import type { DatabaseLayer, PurgeReport } from '../../../../src/database/index.js';
import type { StatorEvent } from '../../../../src/kernel/event-bus.js';
import { deferred, until, type SuiteEnv } from './suite-env.js';

/** The backend id of the connection a statement runs on. */
async function backendOf(knex: Knex, driver: SuiteEnv['driver']): Promise<number> {
  if (driver === 'postgresql') {
    const r = (await knex.raw('SELECT pg_backend_pid() AS pid')) as { rows: Array<{ pid: number }> };
    return Number(r.rows[0]?.pid);
  }
  const [rows] = (await knex.raw('SELECT CONNECTION_ID() AS pid')) as [Array<{ pid: number }>];
  return Number(rows[0]?.pid);
}

/**
 * The backends of Stator's connections to this file's database, as the server lists them.
 * PostgreSQL: by the `application_name` Stator's connector sets (the admin's connections are
 * not listed). MariaDB names no client: every connection to the database but the asking one,
 * so the admin's other connections may be listed too (they are never Stator's old ones).
 */
async function serverBackends(admin: Knex, driver: SuiteEnv['driver'], db: string): Promise<Set<number>> {
  if (driver === 'postgresql') {
    const r = (await admin.raw(
      `SELECT pid FROM pg_stat_activity WHERE datname = ? AND application_name = 'stator' AND pid <> pg_backend_pid()`,
      [db],
    )) as { rows: Array<{ pid: number }> };
    return new Set(r.rows.map((x) => Number(x.pid)));
  }
  const [rows] = (await admin.raw(
    'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
    [db],
  )) as [Array<{ id: number }>];
  return new Set(rows.map((x) => Number(x.id)));
}

/**
 * The backends of every connection the pool has in service: `count` transactions held open at
 * once, each on a connection of its own (`count` is the pool's max), each reading its backend.
 */
async function poolBackends(layer: DatabaseLayer, driver: SuiteEnv['driver'], count: number): Promise<Set<number>> {
  const pids: number[] = [];
  const all = deferred();
  const held = Array.from({ length: count }, () =>
    layer.api.transaction(async (trx) => {
      pids.push(await backendOf(trx, driver));
      if (pids.length === count) all.resolve();
      await all.promise;
    }),
  );
  await Promise.all(held);
  return new Set(pids);
}

/**
 * Calls on `workers` loops until stopped, half of them plain queries, half transactions (which
 * hold their connection over two statements), each noting the backend it ran on. A call is
 * "before" the purge when it ended before `purge()` was called, "after" when it began after
 * that call: an acquire made after `purge()` must never get an old connection, while a call
 * that straddles the call may run on either (it is counted in neither).
 */
function load(layer: DatabaseLayer, driver: SuiteEnv['driver'], workers: number) {
  const state = { purgeCalled: false, stop: false, calls: 0 };
  const before = new Set<number>();
  const after = new Set<number>();
  const errors: unknown[] = [];
  const call = (n: number): Promise<number> =>
    n % 2 === 0
      ? backendOf(layer.api.knex, driver)
      : layer.api
          .transaction(async (trx) => {
            await trx.raw('SELECT 1');
            return backendOf(trx, driver);
          })
          .then((r) => r.value);
  const worker = async (n: number): Promise<void> => {
    while (!state.stop) {
      try {
        const beganAfter = state.purgeCalled;
        const pid = await call(n);
        state.calls++;
        if (beganAfter) after.add(pid);
        else if (!state.purgeCalled) before.add(pid);
      } catch (error) {
        errors.push(error);
        await new Promise((r) => setTimeout(r, 10)); // never spin on failures
      }
    }
  };
  const running = Array.from({ length: workers }, (_, i) => worker(i));
  return {
    state,
    before,
    after,
    errors,
    stop: async (): Promise<void> => {
      state.stop = true;
      await Promise.all(running);
    },
  };
}

/** The old backends, still listed by the server after `until` gave up (none when all are gone). */
async function oldStillListed(admin: Knex, env: SuiteEnv, db: string, old: Set<number>): Promise<number[]> {
  // A backend leaves the server's list a moment after its client closed the connection.
  let listed = new Set<number>();
  const gone = (): boolean => [...old].every((pid) => !listed.has(pid));
  await until(async () => {
    listed = await serverBackends(admin, env.driver, db);
    return gone();
  }, 'the old backends gone from the server').catch(() => undefined);
  return [...old].filter((pid) => listed.has(pid));
}

/** `stator.db.purge()`: every connection replaced under load, no call failing. */
export function purge(env: SuiteEnv): void {
  describe('purge', () => {
    // With events recorded, transactions run on their machine from the start; without, their
    // first attempt runs without one (first-attempt.ts): both paths must give connections back.
    for (const record of [true, false]) {
      it.runIf(env.driver !== 'sqlite')(
        `replaces every backend under load without failing a call (${record ? 'events recorded' : 'nobody listening'})`,
        async () => {
          const max = 4;
          const { layer, ctx } = await env.start(
            { connection_pool: { max_connections: max, acquire_timeout: 20 } },
            undefined,
            undefined,
            { record },
          );
          const fx = env.fixture();
          const admin = fx.admin();
          const calls = load(layer, env.driver, 2 * max);
          let report: PurgeReport;
          let callsAtPurge = 0;
          let old: Set<number>;
          try {
            // Under this load all `max` connections are in use: the calls name all of them.
            await until(() => calls.before.size === max || calls.errors.length > 0, 'every backend under load');
            old = new Set(calls.before);
            const listedBefore = await serverBackends(admin, env.driver, fx.name);
            expect([...old].filter((pid) => !listedBefore.has(pid))).toEqual([]); // the server lists them
            callsAtPurge = calls.state.calls;
            calls.state.purgeCalled = true;
            report = await layer.api.purge();
            const callsAfterPurge = calls.state.calls;
            await until(
              () => calls.state.calls >= callsAfterPurge + 40 || calls.errors.length > 0,
              'calls after the purge',
            );
          } finally {
            await calls.stop();
          }
          // Which backends serve Stator now: those of the pool's own connections.
          const serving = await poolBackends(layer, env.driver, max);
          const listed = await serverBackends(admin, env.driver, fx.name);

          expect(calls.errors).toEqual([]);
          expect(old.size).toBe(max);
          expect(calls.state.calls).toBeGreaterThan(callsAtPurge);
          expect(report.replaced).toBe(max);
          expect(report.idle + report.busy + report.inProgress).toBe(max);
          expect(calls.after.size).toBeGreaterThan(0);
          expect([...calls.after].filter((pid) => old.has(pid))).toEqual([]); // no call begun after purge() ran on an old one
          expect(serving.size).toBe(max);
          expect([...serving].filter((pid) => old.has(pid))).toEqual([]);
          for (const pid of serving) expect(listed.has(pid)).toBe(true); // the server's list shows Stator's backends
          expect(await oldStillListed(admin, env, fx.name, old)).toEqual([]);
          const metric = await ctx.metrics.getSingleMetricAsString('stator_pool_purges_total');
          expect(metric).toMatch(/stator_pool_purges_total\{pool="database"\} 1/);
          if (record) expectPurgeEvents(ctx.seen, max);
        },
      );
    }

    it('replaces the connection of an idle pool at once and keeps serving', async () => {
      const { layer, ctx } = await env.start();
      const { knex } = layer.api;
      await knex.raw('SELECT 1');
      const first = ctx.seen
        .filter((e) => e.source.startsWith('pool.database/conn-') && e.type === 'CREATED')
        .map((e) => e.source);
      const report = await layer.api.purge();
      expect(report.replaced).toBe(first.length);
      expect(report.idle).toBe(first.length);
      await knex.raw('SELECT 1');
      const closed = ctx.seen.filter((e) => first.includes(e.source) && e.type === 'CLOSED').map((e) => e.source);
      expect(closed.sort()).toEqual([...first].sort());
      const fresh = ctx.seen.filter((e) => e.type === 'CREATED' && !first.includes(e.source));
      expect(fresh.length).toBeGreaterThanOrEqual(1);
    });
  });
}

/** The connection machines went through `retiring` for the reason `purge`, one per old connection; purge and purged events. */
function expectPurgeEvents(seen: readonly StatorEvent[], replaced: number): void {
  const retired = seen.filter(
    (e) => e.source.startsWith('pool.database/conn-') && e.type === 'RETIRE' && e.data?.reason === 'purge',
  );
  expect(retired.length).toBe(replaced);
  expect(retired.every((e) => e.state === 'retiring')).toBe(true);
  expect(seen.some((e) => e.source === 'pool.database' && e.type === 'purge')).toBe(true);
  expect(seen.find((e) => e.source === 'pool.database' && e.type === 'purged')?.data).toMatchObject({ replaced });
}
