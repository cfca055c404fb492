import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { PgWireTap } from './pg-wire-tap.js';
import { suiteEnv } from './suite/suite-env.js';

/** The raw `pg.Client` a transaction holds, in the two forms of `query` used here. */
interface RawClient {
  query(sql: string): Promise<unknown>;
  query(sql: string, callback: (error: Error | null) => void): void;
}

const BEGIN = 'BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ';
/** The same length as {@link BEGIN}, and a syntax error: the server refuses it. */
const REFUSED = 'BEGIX TRANSACTION ISOLATION LEVEL REPEATABLE READ';

/**
 * `transaction.defer_begin` on a real PostgreSQL, seen on the wire through a proxy that reads the
 * frontend protocol: BEGIN leaves with the transaction's first statement (one round trip fewer),
 * and a BEGIN the server refuses takes the statement sent with it down too.
 */
describe('PostgreSQL: BEGIN sent with the first statement', () => {
  const env = suiteEnv('postgresql');
  const tap = new PgWireTap(5432);
  let admin: Knex;

  beforeAll(async () => {
    await tap.start();
    admin = env.fixture().admin();
    await admin.schema.createTable('deferred_notes', (t) => {
      t.increments('id');
      t.string('body').notNullable();
    });
  });
  afterAll(async () => {
    await admin.destroy();
    await tap.stop();
  });
  beforeEach(async () => {
    tap.rewrite = undefined;
    await admin('deferred_notes').delete();
  });

  const start = async (overrides: StatorConfigInput = {}): ReturnType<typeof env.start> => {
    const started = await env.start({
      ...overrides,
      database: { ...env.fixture().config().database, port: tap.port },
      transaction: { retry_attempts: 0, ...overrides.transaction },
    });
    tap.clear();
    return started;
  };
  /** The round trips of transactions since the last clear (BEGIN, COMMIT, ROLLBACK or the tests' own statements). */
  const transactionTrips = (): string[][] =>
    tap
      .roundTrips()
      .filter((trip) =>
        trip.some((sql) =>
          /BEGIN|COMMIT|ROLLBACK|SAVEPOINT|deferred_notes|statement_timeout|AS (one|two|seven)/.test(sql),
        ),
      );

  it('sends BEGIN in the round trip of the first statement, with bindings or without', async () => {
    const { layer } = await start();
    const plain = await layer.api.transaction(async (trx) => (await trx.raw('SELECT 1 AS one')).rows);
    expect(plain.value).toEqual([{ one: 1 }]);
    expect(transactionTrips()).toEqual([[`${BEGIN};\nSELECT 1 AS one`], ['COMMIT;']]);
    tap.clear();

    const bound = await layer.api.transaction(async (trx) => {
      await trx('deferred_notes').insert({ body: 'bound' });
      return (await trx.raw('SELECT ?::int AS two', [2])).rows;
    });
    expect(bound.value).toEqual([{ two: 2 }]);
    expect(transactionTrips()).toEqual([
      [BEGIN, 'insert into "deferred_notes" ("body") values ($1)'],
      ['SELECT $1::int AS two'],
      ['COMMIT;'],
    ]);
    expect(await admin('deferred_notes').pluck('body')).toEqual(['bound']);
    // The log still names BEGIN first.
    expect(bound.log.map((e) => e.statement)[0]).toBe(BEGIN);
  });

  it('sends BEGIN in a round trip of its own with defer_begin: false', async () => {
    const { layer } = await start({ transaction: { defer_begin: false } });
    await layer.api.transaction((trx) => trx.raw('SELECT 1 AS one'));
    expect(transactionTrips()).toEqual([[BEGIN], ['SELECT 1 AS one'], ['COMMIT;']]);
  });

  it.each([
    [
      'without bindings (one simple query)',
      (trx: Knex.Transaction) => trx.raw("INSERT INTO deferred_notes (body) VALUES ('plain')"),
    ],
    ['with bindings (one Sync)', (trx: Knex.Transaction) => trx('deferred_notes').insert({ body: 'bound' })],
  ])('runs nothing of a write %s when the server refuses the BEGIN sent with it', async (_, write) => {
    const { layer } = await start();
    tap.rewrite = (sql) => sql.replace(BEGIN, REFUSED);
    const outcome = layer.api.transaction(async (trx) => {
      await write(trx);
      return 'written';
    });
    await expect(outcome).rejects.toMatchObject({ code: '42601' });
    expect(tap.roundTrips()[0]?.[0]).toContain(BEGIN);
    tap.rewrite = undefined;
    expect(await admin('deferred_notes').count({ n: '*' })).toEqual([{ n: '0' }]);
    // The connection is usable afterwards, outside any transaction: this insert is committed.
    await layer.api.knex('deferred_notes').insert({ body: 'after' });
    expect(await admin('deferred_notes').pluck('body')).toEqual(['after']);
  });

  it('runs a statement sent on the raw pg.Client inside the transaction, after BEGIN (as SET LOCAL ROLE is sent)', async () => {
    const { layer } = await start();
    const rawOf = async (trx: Knex.Transaction): Promise<RawClient> =>
      (await trx.client.acquireConnection()) as RawClient;
    const shown = await layer.api.transaction(async (trx) => {
      // SET LOCAL outside a transaction block only warns and changes nothing.
      await (await rawOf(trx)).query("SET LOCAL statement_timeout = '1234ms'");
      return (await trx.raw('SHOW statement_timeout')).rows;
    });
    expect(shown.value).toEqual([{ statement_timeout: '1234ms' }]);
    expect(transactionTrips()).toEqual([
      [BEGIN],
      ["SET LOCAL statement_timeout = '1234ms'"],
      ['SHOW statement_timeout'],
      ['COMMIT;'],
    ]);

    // The callback form, with a BEGIN the server refuses: the write does not run.
    tap.rewrite = (sql) => sql.replace(BEGIN, REFUSED);
    const refused = layer.api.transaction(async (trx) => {
      const raw = await rawOf(trx);
      await new Promise((resolve, reject) =>
        raw.query("INSERT INTO deferred_notes (body) VALUES ('raw')", (error) => (error ? reject(error) : resolve(1))),
      );
    });
    await expect(refused).rejects.toMatchObject({ code: '42601' });
    tap.rewrite = undefined;
    expect(await admin('deferred_notes').count({ n: '*' })).toEqual([{ n: '0' }]);
  });

  it('streams a first statement (knex .stream(), pg-query-stream) inside the transaction, after BEGIN', async () => {
    const { layer } = await start();
    await admin('deferred_notes').insert([{ body: 'a' }, { body: 'b' }]);
    const read = (trx: Knex.Transaction) =>
      trx('deferred_notes')
        .select('body', trx.raw("current_setting('transaction_isolation') AS iso"))
        .orderBy('id')
        .stream();
    const streamed = await layer.api.transaction(async (trx) => {
      const rows: unknown[] = [];
      for await (const row of read(trx)) rows.push(row);
      return rows;
    });
    // The isolation level is BEGIN's: the stream ran inside the transaction.
    expect(streamed.value).toEqual([
      { body: 'a', iso: 'repeatable read' },
      { body: 'b', iso: 'repeatable read' },
    ]);
    expect(transactionTrips()[0]).toEqual([BEGIN]);

    // A BEGIN the server refuses: the stream fails with its error and reads nothing.
    tap.rewrite = (sql) => sql.replace(BEGIN, REFUSED);
    const rows: unknown[] = [];
    const refused = layer.api.transaction(async (trx) => {
      for await (const row of read(trx)) rows.push(row);
    });
    await expect(refused).rejects.toMatchObject({ code: '42601' });
    tap.rewrite = undefined;
    expect(rows).toEqual([]);
  });

  it('sends neither BEGIN nor COMMIT / ROLLBACK for a transaction that ran no statement', async () => {
    const { layer } = await start();
    expect((await layer.api.transaction(async () => 42)).value).toBe(42);
    await expect(
      layer.api.transaction(async () => {
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(transactionTrips()).toEqual([]);
  });

  it('never hands a held BEGIN to the next borrower of the connection', async () => {
    const { layer } = await start({ connection_pool: { max_connections: 1 } });
    await expect(
      layer.api.transaction(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    await layer.api.knex('deferred_notes').insert({ body: 'outside' });
    // Committed on its own: visible from another connection at once.
    expect(await admin('deferred_notes').pluck('body')).toEqual(['outside']);
    expect(transactionTrips()).toEqual([['insert into "deferred_notes" ("body") values ($1)']]);
  });

  it('gives the first statement the result and the errors it has without the deferral', async () => {
    const deferred = (await start()).layer;
    const alone = (await start({ transaction: { defer_begin: false } })).layer;
    for (const layer of [deferred, alone]) {
      const both = await layer.api.transaction(async (trx) => {
        const results = (await trx.raw('SELECT 1 AS one; SELECT 2 AS two')) as Array<{ rows: unknown[] }>;
        return results.map((r) => r.rows);
      });
      expect(both.value).toEqual([[{ one: 1 }], [{ two: 2 }]]);
      const typo = layer.api.transaction((trx) => trx.raw('SELEC 1 AS one'));
      // The position of the error is in the caller's text, not in the text sent with BEGIN.
      await expect(typo).rejects.toMatchObject({ code: '42601', position: '1' });
    }
  });

  it('begins with a savepoint as the first statement when a nested transaction comes first', async () => {
    const { layer } = await start();
    const nested = await layer.api.transaction(() =>
      layer.api.transaction(async (trx) => (await trx.raw('SELECT 7 AS seven')).rows),
    );
    expect(nested.value).toEqual({ value: [{ seven: 7 }], attempts: 1, log: expect.anything() });
    const trips = transactionTrips();
    expect(trips[0]?.[0]).toMatch(new RegExp(`^${BEGIN};\\nSAVEPOINT `));
    expect(trips.at(-1)).toEqual(['COMMIT;']);
  });
});
