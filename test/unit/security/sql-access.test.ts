import knexFactory, { type Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { sqlAccess } from '../../../src/security/sql-access.js';
import type { SqlNaming } from '../../../src/security/sql-names.js';

const CLIENTS: Record<SqlNaming['dialect'], Knex> = {
  postgresql: knexFactory({ client: 'pg' }),
  mysql: knexFactory({ client: 'mysql2' }),
  sqlite: knexFactory({ client: 'better-sqlite3', useNullAsDefault: true }),
};

/** The text knex sends for a builder (bindings positioned as the client does). */
const textOf = (k: Knex, b: { toSQL(): unknown }): string => {
  const c = b.toSQL() as { sql: string };
  return (k.client as unknown as { positionBindings(s: string): string }).positionBindings(c.sql);
};
const access = (
  dialect: SqlNaming['dialect'],
  build: (k: Knex) => { toSQL(): unknown },
  defaultSchema?: string,
): string[] => {
  const k = CLIENTS[dialect];
  const a = sqlAccess(textOf(k, build(k)), defaultSchema ? { dialect, defaultSchema } : { dialect });
  return [...a.tables.map((t) => `${t.action} ${t.table}`).sort(), ...(a.raw ? [`raw: ${a.raw}`] : [])];
};

describe.each(['postgresql', 'mysql', 'sqlite'] as const)('sqlAccess on %s', (dialect) => {
  const cases: [string, (k: Knex) => { toSQL(): unknown }, string[]][] = [
    ['select', (k) => k('orders').where('id', 1).limit(10).offset(5), ['read orders']],
    [
      'join',
      (k) => k('orders as o').join('customers as c', 'c.id', 'o.cid').leftJoin('addresses', 'addresses.cid', 'c.id'),
      ['read addresses', 'read customers', 'read orders'],
    ],
    ['insert', (k) => k('orders').insert({ a: 1 }), ['write orders']],
    ['update', (k) => k('orders').update({ a: 1 }).where('id', 2), ['write orders']],
    [
      'delete with subquery',
      (k) => k('orders').whereIn('id', k('to_delete').select('id')).del(),
      ['read to_delete', 'write orders'],
    ],
    ['insert from select', (k) => k('archive').insert(k('orders').select('*')), ['read orders', 'write archive']],
    [
      'union',
      (k) =>
        k('a')
          .select('x')
          .union(function () {
            this.select('x').from('b');
          }),
      ['read a', 'read b'],
    ],
    [
      'whereExists callback',
      (k) =>
        k('orders').whereExists(function () {
          this.select('*').from('payments');
        }),
      ['read orders', 'read payments'],
    ],
    ['CTE read is not a table', (k) => k.with('w', k('src').select('*')).select('*').from('w'), ['read src']],
    [
      'CTE named like the table it reads still reads it',
      (k) => k.with('secret', (qb) => qb.from('secret')).from('secret'),
      ['read secret'],
    ],
    [
      'qualified default schema',
      (k) =>
        k(
          dialect === 'postgresql' ? 'public.secret_x' : dialect === 'mysql' ? 'test.secret_x' : 'main.secret_x',
        ).select(),
      ['read secret_x'],
    ],
    ['withSchema of another schema', (k) => k('events').withSchema('audit').select(), ['read audit.events']],
    ['fn.now is harmless', (k) => k('orders').insert({ a: 1, at: k.fn.now() }), ['write orders']],
    ['count', (k) => k('orders').count('* as n'), ['read orders']],
  ];
  it.each(cases)('%s', (_name, build, expected) => {
    expect(access(dialect, build, dialect === 'mysql' ? 'test' : undefined)).toEqual(expected.sort());
  });

  it('folds case as the database does: SQLite lower case, otherwise both spellings', () => {
    const got = access(dialect, (k) => k('Secret_X').select());
    expect(got).toEqual(dialect === 'sqlite' ? ['read secret_x'] : ['read Secret_X', 'read secret_x']);
  });

  it('a CTE named like a table never hides a write to the table', () => {
    const got = access(dialect, (k) =>
      k
        .with('secret', (qb) => qb.select(k.raw('1')))
        .from('secret')
        .del(),
    );
    // Either the statement is read (and the real table is written), or it cannot be parsed (raw).
    expect(got.some((g) => g === 'write secret' || g.startsWith('raw:'))).toBe(true);
  });

  const rawCases: [string, (k: Knex) => { toSQL(): unknown }][] = [
    ['unknown function', (k) => k('orders').select(k.raw("pg_read_file('/etc/passwd')"))],
    ['select into', (k) => k.raw('select * into stolen from orders')],
    ['unparseable text', (k) => k.raw('this is not sql')],
    ['set statement', (k) => k.raw('set role admin')],
  ];
  it.each(rawCases)('%s needs db:raw', (_name, build) => {
    expect(access(dialect, build).some((g) => g.startsWith('raw:'))).toBe(true);
  });
});
