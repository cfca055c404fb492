import { createRequire } from 'node:module';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useLightTransactor, type KnexTransactionInternals } from '../../../src/database/light-transactor.js';
import { suiteEnv } from './suite/suite-env.js';

/** Every property name reachable on `value`, own or inherited, up to Function.prototype. */
function reachable(value: object): Map<string, string> {
  const out = new Map<string, string>();
  for (
    let o: object | null = value;
    o && o !== Function.prototype && o !== Object.prototype;
    o = Object.getPrototypeOf(o) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (out.has(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(o, key);
      out.set(key, descriptor && 'value' in descriptor ? typeof descriptor.value : 'accessor');
    }
  }
  return out;
}

/**
 * The `trx` of a top-level `stator.db.transaction` (see `src/database/light-transactor.ts`) is not
 * knex's own instance but one that inherits knex's methods: it must offer everything knex's `trx`
 * offers and behave the same, on a real database (SQLite in a file).
 */
describe('the trx of stator.db.transaction against knex.transaction', () => {
  const env = suiteEnv('sqlite');
  let plain: Knex;

  beforeAll(async () => {
    plain = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  });
  afterAll(async () => {
    await plain.destroy();
  });

  it("has every property knex's trx has, of the same kind", async () => {
    const { layer } = await env.start();
    const theirs = await plain.transaction(async (trx) => reachable(trx));
    const ours = (await layer.api.transaction(async (trx) => reachable(trx))).value;
    // `arguments` and `caller`: own properties of knex's sloppy-mode function only.
    const missing = [...theirs].filter(
      ([key, kind]) => ours.get(key) !== kind && key !== 'arguments' && key !== 'caller',
    );
    expect(missing).toEqual([]);
    expect(theirs.size).toBeGreaterThan(80);
  });

  it('runs builders, raw, schema, fn and ref, emits query events, and nests savepoints', async () => {
    const { layer } = await env.start();
    const seen: string[] = [];
    const result = await layer.api.transaction(async (trx) => {
      trx.on('query', (q: { sql: string }) => seen.push(q.sql));
      await trx.schema.createTable('light_items', (t) => {
        t.increments('id');
        t.string('name');
        t.timestamp('at').defaultTo(trx.fn.now());
      });
      await trx('light_items').insert({ name: 'a' });
      await trx.insert({ name: 'b' }).into('light_items');
      const inner = await trx.transaction(async (sp) => {
        await sp('light_items').insert({ name: 'c' });
        return sp('light_items').count({ n: '*' }).first();
      });
      await trx
        .savepoint(async (sp) => {
          await sp('light_items').insert({ name: 'rolled back' });
          throw new Error('undo the savepoint');
        })
        .catch(() => undefined);
      const names = await trx.select('name').from('light_items').where(trx.ref('name'), '<>', 'x').orderBy('id');
      const raw = (await trx.raw('SELECT count(*) AS n FROM light_items')) as Array<{ n: number }>;
      return {
        inner,
        names: names.map((r: { name: string }) => r.name),
        raw: raw[0]?.n,
        isTransaction: trx.isTransaction,
        transacting: trx.client.transacting,
        completed: trx.isCompleted(),
        hasExecutionPromise: trx.executionPromise instanceof Promise,
      };
    });
    expect(result.value).toEqual({
      inner: { n: 3 },
      names: ['a', 'b', 'c'],
      raw: 3,
      isTransaction: true,
      transacting: true,
      completed: false,
      hasExecutionPromise: true,
    });
    expect(seen.some((sql) => sql.startsWith('insert into `light_items`'))).toBe(true);
    expect(await layer.api.knex('light_items').count({ n: '*' }).first()).toEqual({ n: 3 });
  });

  it('refuses user params and any statement once the transaction ended, as knex does', async () => {
    const { layer } = await env.start();
    let kept: Knex.Transaction | undefined;
    await layer.api.transaction(async (trx) => {
      expect(() => trx.withUserParams({ a: 1 })).toThrow('Cannot set user params on a transaction');
      kept = trx;
    });
    expect(kept?.isCompleted()).toBe(true);
    await expect(kept?.raw('SELECT 1')).rejects.toThrow('Transaction query already complete');
  });

  it("inherits knex's methods instead of owning them, and leaves a knex whose _onAcquire reads otherwise alone", async () => {
    const { layer } = await env.start();
    const own = (await layer.api.transaction(async (trx) => Object.getOwnPropertyNames(trx).length)).value;
    const knexOwn = await plain.transaction(async (trx) => Object.getOwnPropertyNames(trx).length);
    expect(knexOwn).toBeGreaterThan(80);
    expect(own).toBeLessThan(20);

    const require = createRequire(import.meta.url);
    const Transaction = require('knex/lib/execution/transaction.js') as { prototype: { _onAcquire: unknown } };
    const installed = { _onAcquire: Transaction.prototype._onAcquire };
    expect(useLightTransactor(installed as unknown as KnexTransactionInternals)).toBe(true);
    const changed = { _onAcquire: async () => 'a knex that acquires otherwise' };
    expect(useLightTransactor(changed as unknown as KnexTransactionInternals)).toBe(false);
    expect(await changed._onAcquire()).toBe('a knex that acquires otherwise');
  });

  it('says once when a knex whose Transaction reads otherwise keeps its own trx, and transactions still work', async () => {
    const require = createRequire(import.meta.url);
    const Transaction = require('knex/lib/execution/transaction.js') as {
      prototype: { _onAcquire: (...args: unknown[]) => unknown };
    };
    const original = Transaction.prototype._onAcquire;
    // A knex upgrade that changed _onAcquire: same behaviour, other source text.
    Transaction.prototype._onAcquire = function (this: unknown, ...args: unknown[]) {
      return original.apply(this, args);
    };
    try {
      const { layer, ctx } = await env.start();
      const info = vi.spyOn(ctx.logger, 'info');
      const first = await layer.api.transaction(async (trx) => Object.getOwnPropertyNames(trx).length);
      const second = await layer.api.transaction(async (trx) => (await trx.raw('SELECT 41 + 1 AS n'))[0]);
      expect(first.value).toBeGreaterThan(80); // knex's own trx
      expect(second.value).toEqual({ n: 42 });
      const told = info.mock.calls.filter(([message]) => /light trx/.test(String(message)));
      expect(told).toHaveLength(1);
      expect(String(told[0]?.[0])).toMatch(/not knex 3\.3's.*knex's own trx \(same behaviour/);
    } finally {
      Transaction.prototype._onAcquire = original;
    }
  });

  it('keeps the methods of one transaction away from another', async () => {
    const { layer } = await env.start();
    const [a, b] = await Promise.all([
      layer.api.transaction(async (trx) => trx),
      layer.api.transaction(async (trx) => trx),
    ]);
    expect(a.value).not.toBe(b.value);
    expect(a.value.commit).not.toBe(b.value.commit);
    const contextOf = (trx: Knex.Transaction): unknown => (trx as unknown as { context: unknown }).context;
    expect(contextOf(a.value)).not.toBe(contextOf(b.value));
    expect(a.value.select).toBe(b.value.select);
  });
});
