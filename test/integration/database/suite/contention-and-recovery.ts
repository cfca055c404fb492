import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LayerHealth } from '../../../../src/kernel/layer.js';
import { TcpProxy } from '../tcp-proxy.js';
import { never, poolStats, until, type SuiteEnv } from './suite-env.js';

/** Deadlock storm and connection kills under load (server databases). */
export function contentionAndRecovery(env: SuiteEnv): void {
  const server = env.driver !== 'sqlite';

  describe('contention', () => {
    it('completes 50 concurrent transfers in conflicting lock order through retries, and keeps the sum of balances', async () => {
      // PostgreSQL detects a deadlock after deadlock_timeout (1 s): transfers may queue for a connection a while.
      const { layer } = await env.start({ connection_pool: { max_connections: 8, acquire_timeout: 60 } });
      const { knex } = layer.api;
      await knex.schema.createTable('storm_accounts', (t) => {
        t.integer('id').primary();
        t.integer('balance').notNullable();
      });
      await knex('storm_accounts').insert(Array.from({ length: 10 }, (_, id) => ({ id, balance: 1000 })));
      const pause =
        env.driver === 'postgresql' ? 'SELECT pg_sleep(0.02)' : env.driver === 'mysql' ? 'DO SLEEP(0.02)' : undefined;
      const transfers = Array.from({ length: 50 }, (_, i) => {
        const pair = Math.floor(i / 2) % 10;
        const a = pair;
        const b = (pair + 1 + (pair % 3)) % 10;
        // Half go a→b, half b→a: the same pairs locked in opposite orders.
        return i % 2 === 0 ? { from: a, to: b, amount: 1 + (i % 7) } : { from: b, to: a, amount: 1 + (i % 7) };
      });
      const results = await Promise.all(
        transfers.map(({ from, to, amount }) =>
          layer.api.transaction(
            async (trx) => {
              await trx('storm_accounts').where({ id: from }).decrement('balance', amount);
              if (pause) await trx.raw(pause);
              await trx('storm_accounts').where({ id: to }).increment('balance', amount);
              return amount;
            },
            { retries: 40 },
          ),
        ),
      );
      expect(results).toHaveLength(50);
      const [{ total }] = (await knex('storm_accounts').sum({ total: 'balance' })) as Array<{ total: number | string }>;
      expect(Number(total)).toBe(10_000);
      const expected = new Map<number, number>(Array.from({ length: 10 }, (_, id) => [id, 1000]));
      for (const { from, to, amount } of transfers) {
        expected.set(from, (expected.get(from) ?? 0) - amount);
        expected.set(to, (expected.get(to) ?? 0) + amount);
      }
      const balances = await knex('storm_accounts').orderBy('id').select('id', 'balance');
      expect(balances.map((r: { id: number; balance: number }) => [r.id, Number(r.balance)])).toEqual([...expected]);
      if (server) {
        expect(results.some((r) => r.attempts > 1)).toBe(true);
        const retries = (layer.details?.() as { retries: Record<string, number> }).retries;
        expect(Object.keys(retries).some((k) => ['deadlock', 'serialization', 'lock-timeout'].includes(k))).toBe(true);
      }
      expect(poolStats(layer)).toMatchObject({ busy: 0, pending: 0 });
    });
  });

  describe.skipIf(!server)('recovery', () => {
    it('survives every Stator connection being killed mid-load: no hung request, no lost or doubled write, full service after', async () => {
      const max = 5;
      const { layer } = await env.start({ connection_pool: { max_connections: max, acquire_timeout: 10 } });
      const { knex } = layer.api;
      await knex.schema.createTable('rec_writes', (t) => {
        t.string('id', 36).primary();
        t.integer('n').notNullable();
      });
      const fx = env.fixture();
      const admin = fx.admin();
      const killAll = async (): Promise<number> => {
        if (env.driver === 'postgresql') {
          const r = (await admin.raw(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND application_name = 'stator'`,
            [fx.name],
          )) as { rowCount: number };
          return r.rowCount;
        }
        const [rows] = (await admin.raw(
          'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
          [fx.name],
        )) as [Array<{ id: number }>];
        for (const { id } of rows) await admin.raw(`KILL ${Number(id)}`).catch(() => undefined);
        return rows.length;
      };

      const N = 240;
      const ids = Array.from({ length: N }, () => randomUUID());
      let settled = 0;
      const requests = ids.map(async (id, n) => {
        try {
          if (n % 3 === 0) await knex('rec_writes').insert({ id, n });
          else await layer.api.transaction(async (trx) => trx('rec_writes').insert({ id, n }), { retries: 5 });
          return { id, ok: true as const };
        } catch (error) {
          return { id, ok: false as const, error };
        } finally {
          settled++;
        }
      });
      // Kill twice while requests are in flight.
      while (settled < N / 4) await new Promise((r) => setTimeout(r, 2));
      const killed = await killAll();
      while (settled < N / 2) await new Promise((r) => setTimeout(r, 2));
      await killAll();
      const outcomes = await Promise.all(requests);
      if (process.env.DEBUG_RECOVERY)
        console.log(env.driver, {
          killed,
          failed: outcomes.filter((o) => !o.ok).map((o) => String((o as { error?: unknown }).error).slice(0, 120)),
          details: layer.details?.(),
        });
      expect(killed).toBeGreaterThan(0);
      expect(outcomes).toHaveLength(N);

      for (const o of outcomes) {
        if (o.ok) continue;
        // Fails clearly: an Error with a message, never a hang or a non-error.
        expect(o.error).toBeInstanceOf(Error);
        expect((o.error as Error).message.length).toBeGreaterThan(0);
      }
      // Every acknowledged write is there.
      const present = new Set(await knex('rec_writes').pluck('id'));
      for (const o of outcomes) if (o.ok) expect(present.has(o.id)).toBe(true);
      // Replaying the failed ones with their idempotency key completes the set exactly once.
      const failed = outcomes.filter((o) => !o.ok);
      for (const o of failed) {
        const row = { id: o.id, n: ids.indexOf(o.id) };
        await knex('rec_writes').insert(row).onConflict('id').ignore();
      }
      const rows = (await knex('rec_writes').select('id')) as Array<{ id: string }>;
      expect(rows).toHaveLength(N);
      expect(new Set(rows.map((r) => r.id)).size).toBe(N);

      // Back to full service: max concurrent connections work, the check is up.
      await Promise.all(Array.from({ length: max * 3 }, () => knex.raw('select 1 as one')));
      expect(await layer.check(never())).toEqual({ status: 'up' });
      expect(poolStats(layer)).toMatchObject({ busy: 0, pending: 0 });
      expect(poolStats(layer).total).toBeLessThanOrEqual(max);
    });

    it('when the database goes away entirely, requests fail clearly or wait, none hangs, and service resumes when it is back', async () => {
      if (env.driver === 'sqlite') return;
      const proxy = new TcpProxy('127.0.0.1', env.fixture().serverPort);
      await proxy.start();
      try {
        const { layer } = await env.start({
          database: { port: proxy.port, timeout: 2 },
          connection_pool: { max_connections: 3, acquire_timeout: 5 },
        });
        const health: LayerHealth[] = [];
        const sub = layer.health$?.subscribe((h) => health.push(h));
        const { knex } = layer.api;
        await Promise.all(Array.from({ length: 6 }, () => knex.raw('select 1 as one')));

        await proxy.cut();
        const during = Array.from({ length: 10 }, () =>
          knex.raw('select 1 as one').then(
            () => 'ok' as const,
            (e: unknown) => e,
          ),
        );
        const settledDuring = await Promise.all(during);
        for (const outcome of settledDuring) {
          if (outcome === 'ok') continue;
          expect(outcome).toBeInstanceOf(Error);
          expect((outcome as Error).message.length).toBeGreaterThan(0);
        }
        await expect(layer.check(never())).rejects.toBeInstanceOf(Error);

        await proxy.restore();
        // Queued work is served once the database answers again; the pool's probe reconnects.
        const queued = Array.from({ length: 6 }, async () => {
          for (;;) {
            try {
              return await knex.raw('select 1 as one');
            } catch {
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        });
        await Promise.all(queued);
        await until(async () => (await layer.check(never()).catch(() => undefined))?.status === 'up', 'check up again');
        const tx = await layer.api.transaction(async (trx) => trx.raw('select 1 as one').then(() => 'committed'));
        expect(tx.value).toBe('committed');
        expect(health.some((h) => h.status !== 'up')).toBe(true);
        sub?.unsubscribe();
      } finally {
        await proxy.stop();
      }
    });
  });
}
