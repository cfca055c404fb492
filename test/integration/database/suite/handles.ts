import { describe, expect, it } from 'vitest';
import type { InvalidationSpec } from '../../../../src/database/index.js';
import { isTransactionNotActiveError } from '../../../../src/errors/transaction-not-active-error.js';
import { isTransactionTimeoutError } from '../../../../src/errors/transaction-timeout-error.js';
import { TestClock } from '../../../../src/kernel/clock.js';
import { poolStats, until, type SuiteEnv } from './suite-env.js';

/** `stator.db.begin()` handles, the running list and the history. */
export function handles(env: SuiteEnv): void {
  describe('transaction handles, running list, history', () => {
    it('commits: isActive before and after, the log, the writes kept; a second commit is refused', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('h_commit', (t) => t.integer('id').primary());
      const trx = await layer.api.begin({ isolationLevel: 'SERIALIZABLE' });
      expect(trx.isActive()).toBe(true);
      await trx.knex('h_commit').insert({ id: 1 });
      await trx.knex('h_commit').insert({ id: 2 });
      expect(trx.log.filter((e) => /insert into/i.test(e.statement))).toHaveLength(2);
      if (env.driver !== 'sqlite') expect(trx.log[0]?.statement).toMatch(/SERIALIZABLE/);
      const result = await trx.commit();
      expect(trx.isActive()).toBe(false);
      expect(result.attempts).toBe(1);
      expect(result.log.at(-1)?.statement).toBe('COMMIT');
      expect(await knex('h_commit').orderBy('id').pluck('id')).toEqual([1, 2]);
      const again: unknown = await trx.commit().catch((e: unknown) => e);
      expect(isTransactionNotActiveError(again)).toBe(true);
      expect(poolStats(layer).busy).toBe(0);
    });

    it('rolls back: none of its writes kept, the connection back in the pool', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('h_rollback', (t) => t.integer('id').primary());
      const trx = await layer.api.begin();
      await trx.knex('h_rollback').insert({ id: 1 });
      expect(poolStats(layer).busy).toBe(1);
      await trx.rollback();
      expect(trx.isActive()).toBe(false);
      expect(poolStats(layer).busy).toBe(0);
      expect(await knex('h_rollback').pluck('id')).toEqual([]);
      await trx.rollback(); // idempotent
      expect(isTransactionNotActiveError(await trx.commit().catch((e: unknown) => e))).toBe(true);
    });

    it('invalidates the cache after commit only, as the callback form does', async () => {
      const invalidated: InvalidationSpec[] = [];
      const { layer } = await env.start({}, { invalidate: async (spec) => void invalidated.push(spec) });
      await layer.api.knex.schema.createTable('h_inval', (t) => t.integer('id').primary());
      const dropped = await layer.api.begin({ invalidates: { keys: ['item:1'] } });
      await dropped.knex('h_inval').insert({ id: 1 });
      await dropped.rollback();
      expect(invalidated).toEqual([]);
      const kept = await layer.api.begin({ invalidates: { tags: ['items'] } });
      await kept.knex('h_inval').insert({ id: 2 });
      await kept.transaction(async (sp) => sp('h_inval').insert({ id: 3 }), { invalidates: { keys: ['item:3'] } });
      await kept.commit();
      expect(invalidated).toEqual([{ tags: ['items'], keys: ['item:3'] }]);
    });

    it('nests callback transactions inside a handle as savepoints', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('h_nested', (t) => t.integer('id').primary());
      const trx = await layer.api.begin();
      await trx.knex('h_nested').insert({ id: 1 });
      const failed = await trx
        .transaction(async (sp) => {
          await sp('h_nested').insert({ id: 2 });
          throw new Error('inner fails');
        })
        .catch((e: Error) => e.message);
      expect(failed).toBe('inner fails');
      // stator.db.transaction() called in the handle's scope is a savepoint too (one connection).
      const inner = await trx.run(() =>
        layer.api.transaction(async (sp) => {
          await sp('h_nested').insert({ id: 3 });
          return poolStats(layer).busy;
        }),
      );
      expect(inner.value).toBe(1);
      await trx.commit();
      expect(await knex('h_nested').orderBy('id').pluck('id')).toEqual([1, 3]);
    });

    it('rolls back a handle abandoned past its timeout and returns its connection (test clock)', async () => {
      const clock = new TestClock(Date.now());
      const { layer, ctx } = await env.start({}, {}, clock);
      const { knex } = layer.api;
      await knex.schema.createTable('h_abandoned', (t) => t.integer('id').primary());
      const trx = await layer.api.begin({ timeout: 5 });
      await trx.knex('h_abandoned').insert({ id: 1 });
      await clock.advance(4_000);
      expect(trx.isActive()).toBe(true);
      await clock.advance(1_000);
      await until(() => poolStats(layer).busy === 0, 'the abandoned connection back in the pool');
      expect(trx.isActive()).toBe(false);
      const error: unknown = await trx.commit().catch((e: unknown) => e);
      expect(isTransactionTimeoutError(error)).toBe(true);
      expect(await knex('h_abandoned').pluck('id')).toEqual([]);
      const [record] = await layer.api.history({ limit: 1 });
      expect(record).toMatchObject({ id: trx.id, kind: 'handle', outcome: 'timed_out', attempts: 1 });
      expect(ctx.seen.some((e) => e.source === `transaction.${trx.id}` && e.state === 'rolledBack')).toBe(true);
      await trx.rollback(); // already rolled back: resolves
    });

    it('lists running transactions: id, kind, state, age, statements, who began them', async () => {
      const { layer } = await env.start();
      const { knex } = layer.api;
      await knex.schema.createTable('h_running', (t) => t.integer('id').primary());
      const trx = await layer.api.begin({ name: 'nightly-export' });
      await trx.knex('h_running').insert({ id: 1 });
      const [running, ...others] = await layer.api.transactions();
      expect(others).toEqual([]);
      expect(running).toMatchObject({
        id: trx.id,
        kind: 'handle',
        state: 'active',
        attempt: 1,
        name: 'nightly-export',
      });
      expect(running?.statements).toBe(trx.log.length);
      expect(running?.statements).toBeGreaterThanOrEqual(2);
      expect(running?.ageMs).toBeGreaterThanOrEqual(0);
      expect(running?.begunAt).toMatch(/handles\.ts:\d+:\d+/);
      await trx.commit();
      expect(await layer.api.transactions()).toEqual([]);
    });

    it('keeps a bounded history, newest first, with outcome, attempts and log; clearHistory empties it', async () => {
      const { layer } = await env.start({ transaction: { history_size: 3 } });
      const { knex } = layer.api;
      await knex.schema.createTable('h_history', (t) => t.integer('id').primary());
      const ids: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const trx = await layer.api.begin({ name: `t${i}` });
        ids.push(trx.id);
        await trx.knex('h_history').insert({ id: i });
        await trx.commit();
      }
      await layer.api.transaction(() => Promise.reject(new Error('no thanks'))).catch(() => undefined);
      const all = await layer.api.history();
      expect(all.map((r) => r.name ?? r.kind)).toEqual(['callback', 't4', 't3']);
      expect(all[0]).toMatchObject({ kind: 'callback', outcome: 'rolled_back', attempts: 1, error: 'no thanks' });
      expect(all[1]).toMatchObject({ id: ids[3], kind: 'handle', outcome: 'committed', attempts: 1 });
      expect(all[1]?.log.some((e) => /insert into/i.test(e.statement))).toBe(true);
      expect(all[1]?.log.at(-1)?.statement).toBe('COMMIT');
      expect(all[1]?.begunAt).toMatch(/handles\.ts:\d+:\d+/);
      expect(await layer.api.history({ limit: 1 })).toHaveLength(1);
      await layer.api.clearHistory();
      expect(await layer.api.history()).toEqual([]);
    });
  });
}
