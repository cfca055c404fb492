import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import { queryAccess } from '../../../src/security/query-access.js';

const knex = knexFactory({ client: 'pg' });

const tables = (b: unknown): string[] => queryAccess(b).tables.map((t) => `${t.action} ${t.table}`).sort();

describe('queryAccess: tables read and written by a knex query, and raw needs', () => {
  const cases: [name: string, build: () => unknown, expected: string[], raw?: RegExp][] = [
    ['select', () => knex('orders').where('id', 1), ['read orders']],
    ['first', () => knex('orders').first(), ['read orders']],
    ['pluck', () => knex('orders').pluck('id'), ['read orders']],
    ['count', () => knex('orders').count('* as n'), ['read orders']],
    ['alias string', () => knex('orders as o').select('o.id'), ['read orders']],
    ['alias object', () => knex({ o: 'orders' }).select('o.id'), ['read orders']],
    ['schema', () => knex('orders').withSchema('public').select(), ['read public.orders']],
    ['qualified name', () => knex('public.orders').select(), ['read public.orders']],
    ['from', () => knex.select('*').from('orders'), ['read orders']],
    ['insert', () => knex('orders').insert({ a: 1 }), ['write orders']],
    ['insert with fn.now', () => knex('orders').insert({ a: 1, at: knex.fn.now() }), ['write orders']],
    ['upsert', () => knex('orders').insert({ id: 1 }).onConflict('id').merge(), ['write orders']],
    ['update', () => knex('orders').update({ a: 1 }).where('id', 2), ['write orders']],
    ['increment', () => knex('orders').increment('n', 1), ['write orders']],
    ['delete', () => knex('orders').where('id', 1).del(), ['write orders']],
    ['truncate', () => knex('orders').truncate(), ['write orders']],
    ['join', () => knex('orders as o').join('customers as c', 'c.id', 'o.cid').leftJoin('addresses', 'addresses.cid', 'c.id'), ['read addresses', 'read customers', 'read orders']],
    ['join callback', () => knex('orders').join('customers', function () { this.on('customers.id', '=', 'orders.cid'); }), ['read customers', 'read orders']],
    ['join subquery', () => knex('orders').join(knex('secrets').select('*').as('s'), 's.id', 'orders.id'), ['read orders', 'read secrets']],
    ['whereIn subquery', () => knex('orders').whereIn('cid', knex('customers').select('id')), ['read customers', 'read orders']],
    ['whereExists callback', () => knex('orders').whereExists(function () { this.select('*').from('payments'); }), ['read orders', 'read payments']],
    ['nested where callback', () => knex('orders').where(function () { this.whereIn('x', knex('deep').select('x')); }), ['read deep', 'read orders']],
    ['from subquery callback', () => knex.select('*').from(function (this: import('knex').Knex.QueryBuilder) { this.select('*').from('inner_t').as('t'); } as never), ['read inner_t']],
    ['union', () => knex('a').select('x').union(function () { this.select('x').from('b'); }).unionAll([knex('c').select('x')]), ['read a', 'read b', 'read c']],
    ['CTE alias is not a table', () => knex.with('w', knex('src').select('*')).select('*').from('w'), ['read src']],
    ['insert from select', () => knex('archive').insert(knex('orders').select('*')), ['read orders', 'write archive']],
    ['update with subquery value', () => knex('orders').update({ total: knex('lines').sum('n') }), ['read lines', 'write orders']],
    ['delete with join and subquery', () => knex('orders').whereIn('id', knex('to_delete').select('id')).del(), ['read to_delete', 'write orders']],
    ['same table read and written', () => knex('orders').whereIn('id', knex('orders').select('id')).del(), ['write orders']],
  ];
  it.each(cases)('%s', (_name, build, expected, raw) => {
    const access = queryAccess(build());
    expect(tables(build())).toEqual(expected.sort());
    if (raw) expect(access.raw).toMatch(raw);
    else expect(access.raw).toBeUndefined();
  });

  const rawCases: [name: string, build: () => unknown, why: RegExp][] = [
    ['knex.raw', () => knex.raw('select * from orders'), /raw SQL/],
    ['schema change', () => knex.schema.createTable('t', (t) => t.increments()), /schema change/],
    ['whereRaw', () => knex('orders').whereRaw('1 = 1'), /raw SQL fragment/],
    ['raw column', () => knex('orders').select(knex.raw('(select secret from secrets limit 1)')), /raw SQL fragment/],
    ['joinRaw', () => knex('orders').joinRaw('natural join secrets'), /raw SQL fragment/],
    ['raw table', () => knex.select('*').from(knex.raw('secrets')), /raw SQL fragment/],
    ['raw insert value', () => knex('orders').insert({ a: knex.raw('(select 1)') }), /raw SQL fragment/],
  ];
  it.each(rawCases)('%s needs db:raw', (_name, build, why) => {
    expect(queryAccess(build()).raw).toMatch(why);
  });
});
