import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabaseLayer } from '../../../src/database/index.js';
import { createDbFixture, type DbFixture } from './db-fixture.js';

let fx: DbFixture;
beforeAll(async () => {
  fx = await createDbFixture('sqlite');
});
afterAll(() => fx.drop());

it('starts on SQLite under base_path and answers queries', async () => {
  const ctx = fx.context();
  const layer = createDatabaseLayer(ctx);
  await layer.start({ signal: new AbortController().signal, attempt: 1, dependencies: new Map() });
  await layer.api.knex.schema.createTable('t', (t) => {
    t.increments('id');
    t.string('name');
  });
  await layer.api.knex('t').insert({ name: 'a' });
  const { value, log } = await layer.api.transaction(async (trx) => {
    await trx('t').insert({ name: 'b' });
    return trx('t').count({ n: '*' }).first();
  });
  expect(value).toEqual({ n: 2 });
  expect(log.map((e) => e.statement)).toEqual(['BEGIN IMMEDIATE', 'insert into `t` (`name`) values (?)', 'select count(*) as `n` from `t` limit ?', 'COMMIT']);
  expect(await layer.check(new AbortController().signal)).toEqual({ status: 'up' });
  await layer.stop(new AbortController().signal);
});
