/**
 * Database-enforced roles on PostgreSQL: Stator's check is told to allow everything (`db:*:*`),
 * and PostgreSQL still refuses what the mapped database role has no GRANT for.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAccessDeniedError } from '../../../../src/errors/access-denied-error.js';
import { removeBase, startRig, tempBase, withPgDatabase, type SecuredRig } from '../fixture.js';

const DB_NAME = `stator_sec_dbrole_${process.pid}`;
const ROLE = `stator_sec_reader_${process.pid}`;
const SECRET = 'ROLE-GUARDED-SECRET';

describe('security.database_roles on PostgreSQL (SET LOCAL ROLE)', () => {
  let rig: SecuredRig;
  let base: string;
  let drop: () => Promise<void>;
  const admin = (): pg.Client => new pg.Client({ host: '127.0.0.1', user: 'postgres', database: DB_NAME });

  beforeAll(async () => {
    base = await tempBase('dbrole');
    drop = await withPgDatabase(DB_NAME);
    const c = admin();
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await c.query(`CREATE ROLE ${ROLE} NOLOGIN`);
    await c.query('CREATE TABLE notes (id int primary key, body text)');
    await c.query('CREATE TABLE secret_x (id int primary key, pw text)');
    await c.query(`INSERT INTO notes VALUES (1, 'public note')`);
    await c.query(`INSERT INTO secret_x VALUES (1, '${SECRET}')`);
    await c.query(`GRANT USAGE ON SCHEMA public TO ${ROLE}`);
    await c.query(`GRANT SELECT ON notes TO ${ROLE}`);
    await c.end();
    rig = await startRig({
      filesystem: { base_path: base, required_dirs: ['logs'] },
      cache: { driver: 'memory' },
      database: { driver: 'postgresql', host: '127.0.0.1', username: 'postgres', database: DB_NAME },
      security: {
        roles: { everything: { permissions: ['db:*:*'] }, unmapped: { permissions: ['db:*:*'] } },
        database_roles: { roles: { everything: ROLE } },
      },
    });
  });

  afterAll(async () => {
    await rig?.stop();
    await drop?.();
    const c = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await c.end();
    await removeBase(base);
  });

  const everything = () => rig.as({ id: 'carol', roles: ['everything'], attributes: {} });

  it('runs what the database role may do', async () => {
    expect(await everything().db.knex('notes').pluck('body')).toEqual(['public note']);
  });

  it('is refused by PostgreSQL for a read Stator allowed, and nothing is returned', async () => {
    const error = await everything()
      .db.knex('secret_x')
      .select()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: '42501' });
    expect(String((error as Error).message)).toMatch(/permission denied for table secret_x/);
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('is refused by PostgreSQL for writes Stator allowed, outside and inside transactions, and nothing changes', async () => {
    const k = everything().db.knex;
    await expect(k('notes').insert({ id: 2, body: 'planted' })).rejects.toMatchObject({ code: '42501' });
    await expect(k('secret_x').del()).rejects.toMatchObject({ code: '42501' });
    await expect(k.transaction(async (trx) => trx('notes').update({ body: 'changed' }))).rejects.toMatchObject({
      code: '42501',
    });
    await expect(everything().db.transaction(async (trx) => trx('secret_x').truncate())).rejects.toMatchObject({
      code: '42501',
    });
    expect(await rig.db.knex('notes').orderBy('id').select()).toEqual([{ id: 1, body: 'public note' }]);
    expect(await rig.db.knex('secret_x').pluck('pw')).toEqual([SECRET]);
  });

  it('leaves no role on the pooled connection afterwards', async () => {
    await everything().db.knex('notes').select();
    const rows = await rig.db.knex.raw('select current_user as u');
    expect((rows as { rows: { u: string }[] }).rows[0]?.u).toBe('postgres');
  });

  it('refuses a principal none of whose roles is mapped (no default)', async () => {
    const error = await rig
      .as({ id: 'dave', roles: ['unmapped'], attributes: {} })
      .db.knex('notes')
      .select()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isAccessDeniedError(error)).toBe(true);
    expect(error).toMatchObject({ permission: 'db:role' });
  });
});
