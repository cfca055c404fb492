/**
 * Attacks on the guarded database, tried as an attacker would with request-derived input: a tenant
 * reader `alice` (db:read:notes) and an `ops` principal (db:read:* minus !db:read:secret_*), on
 * SQLite, PostgreSQL and MariaDB. Each case asserts the denial (or, where the attack is to change a
 * query after it was handed over, that what ran is what was checked), that nothing of the secret
 * table came back, and that no table changed.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAccessDeniedError } from '../../../../src/errors/access-denied-error.js';
import type { GuardedAccess } from '../../../../src/security/guard-access.js';
import { removeBase, startRig, tempBase, withMysqlDatabase, withPgDatabase, type SecuredRig } from '../fixture.js';

const SECRET = 'TOP-SECRET-PW-7f3a';
const DB_NAME = `stator_sec_sqlatk_${process.pid}`;
type Driver = 'sqlite' | 'postgresql' | 'mysql';
type Who = 'alice' | 'ops';

interface Attack {
  readonly name: string;
  readonly who: Who;
  readonly only?: readonly Driver[];
  /** `denied`: must be refused; `checked`: may run, but only as checked (never the secret). */
  readonly expect?: 'denied' | 'checked';
  run(k: Knex, as: GuardedAccess, driver: Driver): Promise<unknown>;
}

const defaultSchema = (d: Driver): string => (d === 'postgresql' ? 'public' : d === 'mysql' ? DB_NAME : 'main');

const ATTACKS: readonly Attack[] = [
  // 1. CTE names hide real tables
  {
    name: 'CTE named like the secret reads the secret',
    who: 'alice',
    run: (k) => k.with('secret_x', (qb) => qb.from('secret_x')).from('secret_x'),
  },
  {
    name: 'CTE named like the secret, read by ops',
    who: 'ops',
    run: (k) => k.with('secret_x', (qb) => qb.from('secret_x')).from('secret_x'),
  },
  {
    name: 'CTE named like a table hides a delete',
    who: 'alice',
    run: (k) =>
      k
        .with('notes', (qb) => qb.select(k.raw('1')))
        .from('notes')
        .del(),
  },
  {
    name: 'CTE named like a table hides an insert',
    who: 'alice',
    run: (k) =>
      k
        .with('notes', (qb) => qb.select(k.raw('1')))
        .into('notes')
        .insert({ body: 'planted' }),
  },
  {
    name: 'CTE named like a table hides an update',
    who: 'alice',
    run: (k) =>
      k
        .with('notes', (qb) => qb.select(k.raw('1')))
        .from('notes')
        .update({ body: 'changed' }),
  },
  {
    name: 'CTE body reads the secret under an innocent name',
    who: 'alice',
    run: (k) => k.with('w', (qb) => qb.from('secret_x')).from('w'),
  },
  {
    name: 'nested CTE inside a subquery reads the secret',
    who: 'alice',
    run: (k) =>
      k('notes').whereIn(
        'id',
        k
          .with('notes', (qb) => qb.from('secret_x').select('id'))
          .from('notes')
          .select('id'),
      ),
  },
  {
    name: 'recursive CTE reads the secret',
    who: 'alice',
    run: (k) => k.withRecursive('r', (qb) => qb.from('secret_x').select('id')).from('r'),
  },
  {
    name: 'raw CTE shadowing the table name',
    who: 'alice',
    run: (k) => k.raw('with notes as (select * from secret_x) select * from notes'),
  },
  // 2. Clauses the guard never read
  {
    name: 'offset(raw subquery)',
    who: 'alice',
    run: (k) => k('notes').offset(k.raw('(select count(*) from secret_x)') as never),
  },
  { name: 'offset(builder)', who: 'alice', run: (k) => k('notes').offset(k('secret_x').count() as never) },
  {
    name: 'limit(raw subquery) (knex drops a non-number limit)',
    who: 'alice',
    expect: 'checked',
    run: (k) => k('notes').limit(k.raw('(select count(*) from secret_x)') as never),
  },
  {
    name: 'onConflict raw merge reads the secret',
    who: 'alice',
    only: ['postgresql', 'sqlite'],
    run: (k) =>
      k('notes')
        .insert({ id: 1, body: 'x' })
        .onConflict(k.raw('(id) do update set body = (select pw from secret_x limit 1) --') as never)
        .merge(),
  },
  {
    name: 'merge with a subquery value',
    who: 'alice',
    run: (k) =>
      k('notes')
        .insert({ id: 1, body: 'x' })
        .onConflict('id')
        .merge({ body: k('secret_x').select('pw').limit(1) as never }),
  },
  {
    name: 'updateFrom the secret',
    who: 'alice',
    only: ['postgresql'],
    run: (k) =>
      k('notes')
        .update({ body: k.ref('secret_x.pw') })
        .updateFrom('secret_x'),
  },
  {
    name: 'subquery in the select list',
    who: 'alice',
    run: (k) => k('notes').select(k('secret_x').select('pw').limit(1).as('leak')),
  },
  {
    name: 'subquery in order by',
    who: 'alice',
    run: (k) => k('notes').orderBy(k.raw('(select pw from secret_x limit 1)') as never),
  },
  {
    name: 'subquery in having',
    who: 'alice',
    run: (k) =>
      k('notes')
        .groupBy('id')
        .having(k.raw('(select count(*) from secret_x)') as never, '>', 0),
  },
  {
    name: 'join the secret',
    who: 'alice',
    run: (k) => k('notes').join('secret_x', 'secret_x.id', 'notes.id').select('secret_x.pw'),
  },
  {
    name: 'union with the secret',
    who: 'alice',
    run: (k) => k('notes').select('body').union(k('secret_x').select('pw')),
  },
  {
    name: 'whereExists on the secret',
    who: 'alice',
    run: (k) => k('notes').whereExists(k('secret_x').where('pw', 'like', 'T%')),
  },
  { name: 'insert … select from the secret', who: 'alice', run: (k) => k('notes').insert(k('secret_x').select('pw')) },
  { name: 'raw select of the secret', who: 'alice', run: (k) => k.raw('select * from secret_x') },
  { name: 'raw identifier binding', who: 'alice', run: (k) => k.raw('select * from ??', ['secret_x']) },
  {
    name: 'two statements in one raw',
    who: 'alice',
    only: ['postgresql'],
    run: (k) => k.raw('select 1; delete from secret_x'),
  },
  {
    name: 'function that reads files',
    who: 'alice',
    only: ['postgresql'],
    run: (k) => k('notes').select(k.raw("pg_read_file('/etc/hostname') as f")),
  },
  {
    name: 'function that opens other tables',
    who: 'alice',
    run: (k) => k('notes').select(k.raw('stator_lookup(id) as f')),
  },
  {
    name: 'select into a new table',
    who: 'alice',
    only: ['postgresql'],
    run: (k) => k.raw('select * into stolen from notes'),
  },
  {
    name: 'schema change on the secret',
    who: 'ops',
    run: (k) => k.schema.dropTable('secret_x') as unknown as Promise<unknown>,
  },
  { name: 'truncate the secret', who: 'ops', run: (k) => k('secret_x').truncate() },
  { name: 'unparseable SQL', who: 'alice', run: (k) => k.raw('vacuum') },
  // 3. Qualified and re-cased names
  { name: 'schema-qualified secret', who: 'ops', run: (k, _as, d) => k(`${defaultSchema(d)}.secret_x`).select() },
  {
    name: 'withSchema(default) secret',
    who: 'ops',
    run: (k, _as, d) => k('secret_x').withSchema(defaultSchema(d)).select(),
  },
  { name: 'upper-case secret', who: 'ops', run: (k) => k('SECRET_X').select() },
  { name: 'mixed-case secret', who: 'ops', run: (k) => k('Secret_x').select() },
  { name: 'raw unquoted upper-case secret', who: 'ops', run: (k) => k.raw('select * from SECRET_X') },
  {
    name: 'raw quoted qualified secret',
    who: 'ops',
    only: ['postgresql', 'sqlite'],
    run: (k, _as, d) => k.raw(`select * from "${defaultSchema(d)}"."secret_x"`),
  },
  {
    name: 'raw backtick qualified secret',
    who: 'ops',
    only: ['mysql', 'sqlite'],
    run: (k, _as, d) => k.raw(`select * from \`${defaultSchema(d)}\`.\`secret_x\``),
  },
  { name: 'raw secret hidden behind a comment', who: 'ops', run: (k) => k.raw('select * from /* notes */ secret_x') },
  // 4. Check, then compile later
  {
    name: 'builder mutated after the call started',
    who: 'alice',
    expect: 'checked',
    run: async (k) => {
      const q = k('notes').select('*');
      const running = Promise.resolve(q);
      q.from('secret_x');
      return running;
    },
  },
  {
    name: 'callback subquery that answers differently on its second call',
    who: 'alice',
    expect: 'checked',
    run: (k) => {
      let calls = 0;
      return k('notes').whereIn('id', function (this: Knex.QueryBuilder) {
        if (calls++ === 0) void this.select('id').from('notes');
        else void this.select('id').from('secret_x');
      });
    },
  },
  {
    name: 'fake raw object whose toSQL changes (compiled once: the first answer is checked and sent)',
    who: 'alice',
    expect: 'checked',
    run: (k) => {
      let calls = 0;
      const fake = {
        isRawInstance: true,
        toSQL: () => ({ sql: calls++ === 0 ? '1' : '(select pw from secret_x limit 1)', bindings: [] }),
      };
      return k('notes').select(fake as never);
    },
  },
  {
    name: 'raw fragment without client',
    who: 'alice',
    run: (k) => k('notes').whereRaw({ sql: 'exists (select 1 from secret_x)', bindings: [] } as never),
  },
  {
    name: 'delete the guard runner',
    who: 'alice',
    run: async (k) => {
      expect(() => delete (k.client as unknown as { runner?: unknown }).runner).toThrow(TypeError);
      return k('secret_x').select();
    },
  },
  {
    name: 'replace _query on the client',
    who: 'alice',
    run: async (k) => {
      expect(() => {
        (k.client as unknown as { _query: unknown })._query = () => undefined;
      }).toThrow(TypeError);
      return k('secret_x').select();
    },
  },
];

// Reaching a connection past the guard.
const SEALED: readonly Attack[] = [
  {
    name: 'acquireConnection on the guarded client',
    who: 'alice',
    run: (k) => (k.client as unknown as { acquireConnection(): Promise<unknown> }).acquireConnection(),
  },
  {
    name: 'acquireRawConnection on the guarded client',
    who: 'alice',
    run: (k) => (k.client as unknown as { acquireRawConnection(): Promise<unknown> }).acquireRawConnection(),
  },
  {
    name: 'the pool behind the guarded client',
    who: 'alice',
    run: async (k) => {
      const pool = (k.client as unknown as { pool?: { acquire(): { promise: Promise<unknown> } } }).pool;
      if (!pool) throw Object.assign(new Error('no pool'), { code: 'ACCESS_DENIED' });
      return pool.acquire().promise;
    },
  },
  {
    name: 'the connection of a running runner',
    who: 'alice',
    run: async (k) => {
      const runner = (k.client as unknown as { runner(b: unknown): Record<string, unknown> }).runner(
        k('notes').select(),
      );
      const done = (runner.run as () => Promise<unknown>)();
      await new Promise((r) => setImmediate(r));
      const connection = runner.connection;
      await done;
      if (!connection) throw Object.assign(new Error('no connection'), { code: 'ACCESS_DENIED' });
      return connection;
    },
  },
  {
    name: 'acquireConnection on a transaction client',
    who: 'alice',
    run: (k) =>
      k.transaction(async (trx) =>
        (trx.client as unknown as { acquireConnection(): Promise<unknown> }).acquireConnection(),
      ),
  },
  {
    name: 'acquireConnection of the Transaction object',
    who: 'alice',
    run: async (k) => {
      const t = k.transaction(async () => 1) as unknown as { acquireConnection?: unknown };
      await t;
      if (typeof t.acquireConnection !== 'function')
        throw Object.assign(new Error('not exposed'), { code: 'ACCESS_DENIED' });
      return t;
    },
  },
  {
    name: 'the secret inside a knex transaction',
    who: 'alice',
    run: (k) => k.transaction(async (trx) => trx('secret_x').select()),
  },
  {
    name: 'the secret in a savepoint',
    who: 'alice',
    run: (k) => k.transaction(async (trx) => trx.transaction(async (sp) => sp('secret_x').del())),
  },
  {
    name: 'the secret inside stator.db.transaction',
    who: 'alice',
    run: (_k, as) => as.db.transaction(async (trx) => trx('secret_x').select()),
  },
  { name: 'explain of the secret', who: 'alice', run: (k, as) => as.db.explain(k('secret_x').select()) },
  {
    name: 'stream of the secret',
    who: 'alice',
    run: (k) =>
      new Promise((resolve, reject) => {
        const s = k('secret_x').select().stream();
        const rows: unknown[] = [];
        s.on('data', (r: unknown) => rows.push(r));
        s.on('error', reject);
        s.on('end', () => resolve(rows));
      }),
  },
];

const ALL = [...ATTACKS, ...SEALED];

const isDenied = (e: unknown): boolean =>
  isAccessDeniedError(e) || (e as { code?: unknown } | undefined)?.code === 'ACCESS_DENIED';

describe.each(['sqlite', 'postgresql', 'mysql'] as const)('SQL attacks (%s)', (driver) => {
  let rig: SecuredRig;
  let base: string;
  let drop: (() => Promise<void>) | undefined;
  let alice: GuardedAccess;
  let ops: GuardedAccess;

  const snapshot = async (): Promise<unknown> => ({
    notes: await rig.db.knex('notes').orderBy('id').select('id', 'body'),
    secret: await rig.db.knex('secret_x').orderBy('id').select('id', 'pw'),
    stolen: await rig.db.knex.schema.hasTable('stolen'),
  });

  beforeAll(async () => {
    base = await tempBase(`sqlatk-${driver}`);
    if (driver === 'postgresql') drop = await withPgDatabase(DB_NAME);
    if (driver === 'mysql') drop = await withMysqlDatabase(DB_NAME);
    rig = await startRig({
      filesystem: { base_path: base, required_dirs: ['logs'] },
      cache: { driver: 'memory' },
      database:
        driver === 'sqlite'
          ? { driver }
          : driver === 'postgresql'
            ? { driver, host: '127.0.0.1', username: 'postgres', database: DB_NAME }
            : { driver, host: '127.0.0.1', port: 3306, username: 'root', database: DB_NAME },
      security: {
        roles: {
          tenant: { permissions: ['db:read:notes'] },
          ops: { permissions: ['db:read:*', '!db:read:secret_*'] },
        },
      },
    });
    const k = rig.db.knex;
    await k.schema.createTable('notes', (t) => {
      t.integer('id').primary();
      t.string('body');
    });
    await k.schema.createTable('secret_x', (t) => {
      t.integer('id').primary();
      t.string('pw');
    });
    await k('notes').insert([
      { id: 1, body: 'public note' },
      { id: 2, body: 'another' },
    ]);
    await k('secret_x').insert({ id: 1, pw: SECRET });
    alice = rig.as({ id: 'alice', roles: ['tenant'], attributes: {} });
    ops = rig.as({ id: 'ops', roles: ['ops'], attributes: {} });
  });

  afterAll(async () => {
    await rig?.stop();
    await drop?.();
    await removeBase(base);
  });

  const cases = ALL.filter((a) => !a.only || a.only.includes(driver));
  it.each(cases.map((a) => [a.name, a] as const))('%s', async (_name, attack) => {
    const as = attack.who === 'alice' ? alice : ops;
    const before = await snapshot();
    const outcome = await attack.run(as.db.knex, as, driver).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if ((attack.expect ?? 'denied') === 'denied') {
      expect(
        'error' in outcome && isDenied(outcome.error),
        `expected a denial, got ${JSON.stringify('value' in outcome ? outcome.value : String((outcome as { error: unknown }).error))}`,
      ).toBe(true);
    }
    // Nothing of the secret came back, in a result or an error.
    const shown =
      'value' in outcome
        ? JSON.stringify(outcome.value ?? null)
        : String((outcome.error as Error)?.message) + JSON.stringify(outcome.error);
    expect(shown).not.toContain(SECRET);
    expect(await snapshot()).toEqual(before);
  });

  it('lets the allowed reads through, CTEs and raw SQL included', async () => {
    expect(await alice.db.knex('notes').orderBy('id').pluck('body')).toEqual(['public note', 'another']);
    expect(
      (
        await alice.db.knex
          .with('w', (qb) => qb.from('notes'))
          .from('w')
          .count('* as n')
      )[0],
    ).toBeDefined();
    expect(await ops.db.knex('notes').count('* as n')).toHaveLength(1);
    const rows = await alice.db.knex.raw('select body from notes where id = ?', [1]);
    expect(JSON.stringify(rows)).toContain('public note');
  });
});
