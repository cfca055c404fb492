/**
 * A transaction's first attempt runs without a machine actor when nobody records the machines'
 * events (src/database/first-attempt.ts); the machine takes over when that attempt fails. The
 * behavioural suite subscribes to the event bus (so it runs on the machine from the start); these
 * tests run with nobody listening, on PostgreSQL and MariaDB, and check every way the first attempt
 * ends: commit, the function's error, a contention error (retried by the machine), the timeout on
 * the test clock, an ABORT from the drain, and (PostgreSQL) an error at COMMIT.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type StatorConfigInput } from '../../../src/config/schema.js';
import { createDatabaseLayer, type DatabaseLayer } from '../../../src/database/index.js';
import { isTransactionAbortedError, isTransactionTimeoutError } from '../../../src/errors/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock, type Clock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import { createDbFixture, type DbFixture } from './db-fixture.js';

const contention = {
  postgresql: () => Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' }),
  mysql: () =>
    Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 }),
} as const;

for (const driver of ['postgresql', 'mysql'] as const) {
  describe(`${driver}: the first attempt outside the machine`, () => {
    let fx: DbFixture;
    const running: DatabaseLayer[] = [];
    beforeAll(async () => {
      fx = await createDbFixture(driver);
      await fx.admin().schema.createTable('t_first', (t) => t.integer('id').primary());
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((l) => l.stop(AbortSignal.timeout(5000)).catch(() => undefined)));
      await fx.admin()('t_first').delete();
    });
    afterAll(async () => fx?.drop());

    /** A layer whose event bus nobody listens to (unlike the suite's fixture context). */
    async function start(overrides: StatorConfigInput = {}, clock?: Clock): Promise<DatabaseLayer> {
      const config = configSchema.parse(fx.config(overrides));
      const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }), ...(clock ? { clock } : {}) });
      expect(ctx.events.observed).toBe(false);
      const layer = createDatabaseLayer(ctx);
      running.push(layer);
      await layer.start({ signal: new AbortController().signal, attempt: 1, dependencies: new Map() });
      return layer;
    }
    const ids = (): Promise<number[]> => fx.admin()('t_first').orderBy('id').pluck('id');

    it('commits, with the log of every statement shaped when read', async () => {
      const layer = await start();
      const result = await layer.api.transaction(async (trx) => {
        await trx('t_first').insert({ id: 7 });
        return 'done';
      });
      expect(result.value).toBe('done');
      expect(result.attempts).toBe(1);
      const statements = result.log.map((e) => e.statement);
      expect(statements[0]).toMatch(/^(BEGIN|SET (SESSION )?TRANSACTION|START TRANSACTION)/);
      expect(statements.at(-1)).toBe('COMMIT');
      const insert = result.log.find((e) => /insert into/i.test(e.statement));
      expect(insert?.statement).not.toContain('7');
      expect(insert?.rows).toBe(1);
      expect(await ids()).toEqual([7]);
    });

    it("rolls back on the function's error and rethrows it, without a retry", async () => {
      const layer = await start();
      const error: unknown = await layer.api
        .transaction(async (trx) => {
          await trx('t_first').insert({ id: 1 });
          throw new Error('the function failed');
        })
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe('the function failed');
      expect((error as { attempts?: number }).attempts).toBe(1);
      expect(await ids()).toEqual([]);
    });

    it('hands a contention failure to the machine, which rolls back and runs the function again', async () => {
      const layer = await start({ transaction: { retry_delay: 0.001 } });
      const seen: number[] = [];
      const result = await layer.api.transaction(async (trx, { attempt }) => {
        seen.push(attempt);
        await trx('t_first').insert({ id: 10 + attempt });
        if (attempt === 1) throw contention[driver]();
        return attempt;
      });
      expect(seen).toEqual([1, 2]);
      expect(result).toMatchObject({ value: 2, attempts: 2 });
      expect(await ids()).toEqual([12]);
    });

    it('rolls back an attempt that outlives its timeout on the test clock, and aborts its signal', async () => {
      const clock = new TestClock(Date.now());
      const layer = await start({}, clock);
      let aborted = false;
      let inserted!: () => void;
      const insertedOne = new Promise<void>((resolve) => (inserted = resolve));
      const outcome = layer.api
        .transaction(
          async (trx, { signal }) => {
            await trx('t_first').insert({ id: 3 });
            inserted();
            await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            aborted = signal.aborted;
          },
          { timeout: 2 },
        )
        .catch((e: unknown) => e);
      await insertedOne;
      await clock.advance(1_999);
      expect(aborted).toBe(false);
      await clock.advance(1);
      const error = await outcome;
      expect(isTransactionTimeoutError(error)).toBe(true);
      expect(aborted).toBe(true);
      expect(await ids()).toEqual([]);
    });

    it('rolls back a first attempt still running when the drain deadline passes', async () => {
      const layer = await start();
      let inserted!: () => void;
      const insertedOne = new Promise<void>((resolve) => (inserted = resolve));
      const outcome = layer.api
        .transaction(async (trx, { signal }) => {
          await trx('t_first').insert({ id: 4 });
          inserted();
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        })
        .catch((e: unknown) => e);
      await insertedOne;
      await layer.drain?.(AbortSignal.abort());
      expect(isTransactionAbortedError(await outcome)).toBe(true);
      expect(await ids()).toEqual([]);
    });

    it.runIf(driver === 'postgresql')(
      'hands an error at COMMIT to the machine: rolled back, nothing kept',
      async () => {
        const layer = await start();
        await fx
          .admin()
          .raw('CREATE TABLE t_deferred (id int, CONSTRAINT t_deferred_u UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)');
        const error: unknown = await layer.api
          .transaction(async (trx) => {
            await trx('t_deferred').insert({ id: 1 });
            await trx('t_deferred').insert({ id: 1 }); // allowed until COMMIT checks the constraint
          })
          .catch((e: unknown) => e);
        expect((error as { code?: string }).code).toBe('23505');
        expect(await fx.admin()('t_deferred').count({ n: '*' })).toEqual([{ n: '0' }]);
      },
    );
  });
}
