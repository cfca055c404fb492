import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { isTransactionAbortedError } from '../../../../src/errors/transaction-aborted-error.js';
import { isTransactionRefusedError } from '../../../../src/errors/transaction-refused-error.js';
import { isTransactionTimeoutError } from '../../../../src/errors/transaction-timeout-error.js';
import type { InvalidationSpec } from '../../../../src/database/index.js';
import { deferred, never, poolStats, sleepSql, until, type SuiteEnv } from './suite-env.js';

/** Statements of this test file's database still sleeping on the server. */
async function sleepingStatements(env: SuiteEnv): Promise<number> {
  const fx = env.fixture();
  const admin = fx.admin();
  try {
    if (env.driver === 'postgresql') {
      const r = (await admin.raw(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ? AND state = 'active' AND query ILIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`,
        [fx.name],
      )) as { rows: Array<{ n: number }> };
      return r.rows[0]?.n ?? 0;
    }
    const [rows] = (await admin.raw(
      `SELECT count(*) AS n FROM information_schema.processlist WHERE db = ? AND info LIKE 'SELECT SLEEP(30)%'`,
      [fx.name],
    )) as [Array<{ n: number }>];
    return Number(rows[0]?.n ?? 0);
  } finally {
    await admin.destroy();
  }
}

/** Commit and rollback, savepoints, timeouts, the transaction log, after-commit invalidation, draining. */
export function transactions(env: SuiteEnv): void {
  describe('transactions', () => {
    it('commits when the function resolves and rolls back when it throws, with a log of each statement', async () => {
      const { layer, ctx } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('t_basic', (t) => {
        t.integer('id').primary();
        t.string('secret_value');
      });
      const result = await layer.api.transaction(async (trx) => {
        await trx('t_basic').insert({ id: 1, secret_value: 'hunter2-in-a-binding' });
        return trx('t_basic').select('id');
      });
      expect(result.value).toEqual([{ id: 1 }]);
      expect(result.attempts).toBe(1);
      const statements = result.log.map((e) => e.statement);
      expect(statements[0]).toMatch(/^(BEGIN|SET (SESSION )?TRANSACTION|START TRANSACTION)/);
      expect(statements.at(-1)).toBe('COMMIT');
      expect(statements.some((s) => /insert into/i.test(s))).toBe(true);
      const insert = result.log.find((e) => /insert into/i.test(e.statement));
      expect(insert?.rows).toBe(1);
      expect(result.log.every((e) => e.durationMs >= 0)).toBe(true);
      expect(JSON.stringify(result.log)).not.toContain('hunter2');
      const logged = ctx.seen.find((e) => e.type === 'transaction.log');
      expect(logged?.data).toMatchObject({ outcome: 'committed', attempts: 1 });
      expect(JSON.stringify(ctx.seen)).not.toContain('hunter2');
      expect(ctx.seen.some((e) => /^transaction\.\d+$/.test(e.source) && e.state === 'committed')).toBe(true);

      const failure = new Error('changed my mind');
      await expect(
        layer.api.transaction(async (trx) => {
          await trx('t_basic').insert({ id: 2 });
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((failure as Error & { attempts?: number }).attempts).toBe(1);
      expect(await knex('t_basic').pluck('id')).toEqual([1]);
      expect(poolStats(layer)).toMatchObject({ busy: 0 });
    });

    it('runs nested calls in savepoints: an inner failure rolls back only the inner writes', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('t_savepoint', (t) => t.integer('id').primary());
      const { value } = await layer.api.transaction(async (trx) => {
        await trx('t_savepoint').insert({ id: 1 });
        const inner = await layer.api
          .transaction(async (sp) => {
            await sp('t_savepoint').insert({ id: 2 });
            throw new Error('inner fails');
          })
          .catch((e: Error) => e.message);
        const ok = await layer.api.transaction(async (sp) => {
          await sp('t_savepoint').insert({ id: 3 });
          return 'inner ok';
        });
        return [inner, ok.value];
      });
      expect(value).toEqual(['inner fails', 'inner ok']);
      expect(await knex('t_savepoint').orderBy('id').pluck('id')).toEqual([1, 3]);
    });

    it('rolls back a transaction that outlives its timeout, keeps none of its writes, and leaves the pool healthy', async () => {
      const { layer } = await env.start({ connection_pool: { max_connections: 2 } });
      const { knex } = layer.api;
      await knex.schema.createTable('t_timeout', (t) => t.integer('id').primary());
      // Longer than database.timeout (5 s): a statement not cancelled would still be running below.
      const sleep = sleepSql(env.driver, 30);
      const error: unknown = await layer.api
        .transaction(
          async (trx, { signal }) => {
            await trx('t_timeout').insert({ id: 1 });
            if (sleep) await trx.raw(sleep);
            else await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            await trx('t_timeout').insert({ id: 2 });
          },
          { timeout: 0.5 },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isTransactionTimeoutError(error)).toBe(true);
      expect((error as { code?: string }).code).toBe('TRANSACTION_TIMEOUT');
      expect(await knex('t_timeout').pluck('id')).toEqual([]);
      await until(() => poolStats(layer).busy === 0, 'the connection back in the pool');
      if (sleep) expect(await sleepingStatements(env)).toBe(0); // cancelled on the server, not left running
      expect(await layer.check(never())).toEqual({ status: 'up' });
      await Promise.all(Array.from({ length: 4 }, () => knex.raw('select 1 as one')));
      const { value } = await layer.api.transaction(async (trx) => {
        await trx('t_timeout').insert({ id: 3 });
        return 'after';
      });
      expect(value).toBe('after');
      expect(await knex('t_timeout').pluck('id')).toEqual([3]);
    });

    it.runIf(env.driver === 'postgresql')(
      'reports a PostgreSQL transaction that an error swallowed by the function aborted, instead of a silent COMMIT',
      async () => {
        const { layer } = await env.start();
        const { knex } = layer.api;
        await knex.schema.createTable('t_aborted', (t) => t.integer('id').primary());
        const error: unknown = await layer.api
          .transaction(async (trx) => {
            await trx('t_aborted').insert({ id: 1 });
            await trx('t_aborted')
              .insert({ id: 1 })
              .catch(() => undefined); // duplicate key, caught
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isTransactionAbortedError(error)).toBe(true);
        expect(await knex('t_aborted').pluck('id')).toEqual([]);
      },
    );

    it.runIf(env.driver !== 'sqlite')(
      'retries a transaction whose connection was killed mid-statement (its ROLLBACK fails, the connection is retired), but not a function that fails on its own after the loss',
      async () => {
        const { layer, ctx } = await env.start({ connection_pool: { max_connections: 2 } });
        const { knex } = layer.api;
        await knex.schema.createTable('t_killed', (t) => t.integer('id').primary());
        const admin = env.fixture().admin();
        const backendSql =
          env.driver === 'postgresql' ? 'SELECT pg_backend_pid() AS id' : 'SELECT CONNECTION_ID() AS id';
        const backendOf = async (trx: Knex.Transaction): Promise<number> => {
          const result = (await trx.raw(backendSql)) as { rows?: Array<{ id: number }> } | [Array<{ id: number }>];
          return Number((Array.isArray(result) ? result[0] : (result.rows ?? []))[0]?.id);
        };
        const kill = async (id: number): Promise<void> => {
          if (env.driver === 'postgresql') await admin.raw('SELECT pg_terminate_backend(?)', [id]);
          else await admin.raw(`KILL ${id}`);
        };
        const sleeping = async (id: number): Promise<boolean> => {
          if (env.driver === 'postgresql') {
            const r = (await admin.raw(
              `SELECT 1 FROM pg_stat_activity WHERE pid = ? AND state = 'active' AND query ILIKE '%pg_sleep%'`,
              [id],
            )) as { rows: unknown[] };
            return r.rows.length > 0;
          }
          const [rows] = (await admin.raw(
            `SELECT 1 FROM information_schema.processlist WHERE id = ? AND info LIKE 'SELECT SLEEP%'`,
            [id],
          )) as [unknown[]];
          return rows.length > 0;
        };
        const rollbackFailures = () =>
          ctx.seen
            .filter((e) => /^xstate\.error\.actor\..*rollingBack$/.test(e.type))
            .map((e) => (e.data as { error?: Record<string, unknown> }).error);

        // 1. Killed while the function's statement runs: a connection lost before COMMIT, retried.
        const killed: number[] = [];
        const result = await layer.api.transaction(
          async (trx, { attempt }) => {
            await trx('t_killed').insert({ id: attempt });
            if (attempt > 1) return 'second attempt';
            const id = await backendOf(trx);
            killed.push(id);
            // .then sends the statement; its failure is kept until the function rethrows it below.
            const victim = trx.raw(sleepSql(env.driver, 30) ?? '').then(
              () => new Error('the statement was not interrupted'),
              (e: unknown) => e,
            );
            await until(() => sleeping(id), 'the statement to run');
            await kill(id);
            throw await victim;
          },
          { retries: 2 },
        );
        expect(result).toMatchObject({ value: 'second attempt', attempts: 2 });
        expect(await knex('t_killed').pluck('id')).toEqual([2]);
        expect(rollbackFailures()).toEqual([
          expect.objectContaining({ code: 'ROLLBACK_FAILED', retry: true, backoffMs: expect.any(Number) }),
        ]);
        const retried = ctx.seen.find((e) => e.type === 'transaction.retry');
        expect(retried?.data).toMatchObject({ attempt: 2, reason: 'connection' });

        // 2. The function fails with its own error after its connection was lost: not retried, its error for the caller.
        const own = new Error('the function gave up');
        let attempts = 0;
        const error: unknown = await layer.api
          .transaction(
            async (trx) => {
              attempts++;
              await trx('t_killed').insert({ id: 10 });
              const id = await backendOf(trx);
              killed.push(id);
              await kill(id);
              throw own;
            },
            { retries: 2 },
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBe(own);
        expect(attempts).toBe(1);
        expect(await knex('t_killed').pluck('id')).toEqual([2]);
        expect(rollbackFailures()).toHaveLength(2);
        expect(rollbackFailures()[1]).toMatchObject({ code: 'ROLLBACK_FAILED', retry: false, backoffMs: 0 });

        // Neither dead connection is lent again: every connection of the pool answers.
        await until(() => poolStats(layer).busy === 0, 'the connections back');
        const backends = await Promise.all(
          Array.from({ length: 4 }, () => layer.api.transaction(async (trx) => backendOf(trx)).then((r) => r.value)),
        );
        for (const id of backends) expect(killed).not.toContain(id);
        expect(await layer.check(never())).toEqual({ status: 'up' });
      },
    );

    it('invalidates the cache after commit, never after a rollback', async () => {
      const calls: Array<{ spec: InvalidationSpec; committed: number }> = [];
      const admin = env.fixture().admin();
      const { layer } = await env.start(undefined, {
        invalidate: async (spec) => {
          const rows = await admin('t_inval').pluck('id');
          calls.push({ spec, committed: rows.length });
        },
      });
      await layer.api.knex.schema.createTable('t_inval', (t) => t.integer('id').primary());
      await layer.api.transaction(
        async (trx) => {
          await trx('t_inval').insert({ id: 1 });
          await layer.api.transaction(async (sp) => sp('t_inval').insert({ id: 2 }), {
            invalidates: { keys: ['item:2'] },
          });
          await layer.api
            .transaction(
              async (sp) => {
                await sp('t_inval').insert({ id: 3 });
                throw new Error('inner rollback');
              },
              { invalidates: { keys: ['item:3'] } },
            )
            .catch(() => undefined);
        },
        { invalidates: { tags: ['items'], keys: ['item:1'] } },
      );
      expect(calls).toEqual([{ spec: { tags: ['items'], keys: ['item:2', 'item:1'] }, committed: 2 }]);
      await expect(
        layer.api.transaction(
          async (trx) => {
            await trx('t_inval').insert({ id: 4 });
            throw new Error('rolled back');
          },
          { invalidates: { tags: ['items'] } },
        ),
      ).rejects.toThrow('rolled back');
      expect(calls).toHaveLength(1);
    });

    it('applies isolation levels and read-only transactions', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('t_iso', (t) => t.integer('id').primary());
      for (const isolationLevel of ['READ_COMMITTED', 'REPEATABLE_READ', 'SERIALIZABLE'] as const) {
        const { log } = await layer.api.transaction(async (trx) => trx('t_iso').select(), { isolationLevel });
        if (env.driver !== 'sqlite') expect(log[0]?.statement).toContain(isolationLevel.replace('_', ' '));
      }
      await expect(
        layer.api.transaction(async (trx) => trx('t_iso').insert({ id: 1 }), { readOnly: true }),
      ).rejects.toThrow();
      expect(await knex('t_iso').pluck('id')).toEqual([]);
      await layer.api.transaction(async (trx) => trx('t_iso').insert({ id: 2 }));
      expect(await knex('t_iso').pluck('id')).toEqual([2]);
    });

    it.runIf(env.driver === 'mysql')(
      'MySQL/MariaDB: the configured level is set on the session once, then a transaction begins in one statement; a SET SESSION of the application makes it set again',
      async () => {
        const { layer } = await env.start({ connection_pool: { max_connections: 1 } });
        const sessionLevel = async (trx: Knex.Transaction): Promise<string> => {
          const [rows] = (await trx.raw('SELECT @@SESSION.tx_isolation AS level')) as [Array<{ level: string }>];
          return String(rows[0]?.level);
        };
        const begins: string[] = [];
        const levels: string[] = [];
        const run = async (): Promise<void> => {
          const { log } = await layer.api.transaction(async (trx) => levels.push(await sessionLevel(trx)));
          begins.push(log.filter((e) => /TRANSACTION/.test(e.statement)).length === 1 ? 'one' : 'two');
        };
        await run();
        await run();
        // Another level: for the next transaction only (SET TRANSACTION), the session keeps its level.
        const other = await layer.api.transaction(async (trx) => trx.raw('SELECT 1'), {
          isolationLevel: 'READ_COMMITTED',
        });
        expect(other.log[0]?.statement).toBe('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await run();
        await layer.api.knex.raw('SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED');
        await run();
        await run();
        expect(begins).toEqual(['two', 'one', 'one', 'two', 'one']);
        expect(levels).toEqual(Array(5).fill('REPEATABLE-READ'));
      },
    );

    it('refuses new transactions while draining, lets running ones finish, and rolls back the rest at the deadline', async () => {
      const { layer } = await env.start();
      await layer.api.knex.schema.createTable('t_drain', (t) => t.integer('id').primary());
      const gate = deferred();
      const running = layer.api.transaction(async (trx) => {
        await trx('t_drain').insert({ id: 1 });
        await gate.promise;
        return 'finished';
      });
      await until(() => poolStats(layer).busy === 1, 'transaction running');
      layer.refuseNew('shutting down');
      await expect(layer.api.transaction(async () => 'never')).rejects.toSatisfy(isTransactionRefusedError);
      const drained = layer.drain(never());
      gate.resolve();
      await drained;
      expect((await running).value).toBe('finished');

      await layer.stop(never());
      await layer.start({ signal: never(), attempt: 2, dependencies: new Map() });
      const stuck = layer.api.transaction(async (trx, { signal }) => {
        await trx('t_drain').insert({ id: 2 });
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      });
      const outcome = stuck.then(
        () => undefined,
        (e: unknown) => e,
      );
      await until(() => poolStats(layer).busy === 1, 'stuck transaction running');
      await layer.stop(AbortSignal.abort());
      expect(isTransactionAbortedError(await outcome)).toBe(true);
      await layer.start({ signal: never(), attempt: 3, dependencies: new Map() });
      expect(await layer.api.knex('t_drain').pluck('id')).toEqual([1]);
    });
  });
}
