import { describe, expect, it } from 'vitest';
import { createIndexSql, suggestIndexes } from '../../../src/database/index-advisor.js';

describe('suggestIndexes', () => {
  it('puts equality columns first, then one range column', async () => {
    const [s] = await suggestIndexes(
      'postgresql',
      'select * from "orders" where "created_at" > ? and "customer_id" = ? and "status" in (?, ?)',
      ['orders'],
    );
    expect(s).toMatchObject({
      columns: ['customer_id', 'status', 'created_at'],
      reasons: ['equality', 'equality', 'range'],
    });
  });

  it('uses the ordering columns when there is no range, so rows come out in order', async () => {
    const [s] = await suggestIndexes(
      'mysql',
      'select * from `orders` where `customer_id` = ? order by `created_at` desc, `id`',
      ['orders'],
    );
    expect(s?.columns).toEqual(['customer_id', 'created_at', 'id']);
    expect(s?.sql).toBe(
      'CREATE INDEX `orders_customer_id_created_at_id_idx` ON `orders` (`customer_id`, `created_at`, `id`)',
    );
  });

  it('finds join columns of the scanned table through its alias, and only its own columns', async () => {
    const sql =
      'select * from "customers" as c inner join "orders" as o on o.customer_id = c.id where c.region = ? and o.total > ?';
    const [s] = await suggestIndexes('postgresql', sql, ['o']);
    expect(s).toMatchObject({ table: 'orders', columns: ['customer_id', 'total'], reasons: ['join', 'range'] });
    const [c] = await suggestIndexes('postgresql', sql, ['customers']);
    expect(c).toMatchObject({ table: 'customers', columns: ['region', 'id'], reasons: ['equality', 'join'] });
  });

  it('leaves out conditions under OR, and suggests nothing without a usable column', async () => {
    expect(await suggestIndexes('sqlite', 'select * from `t` where `a` = ? or `b` = ?', ['t'])).toEqual([]);
    expect(await suggestIndexes('sqlite', 'select * from `t`', ['t'])).toEqual([]);
    const [s] = await suggestIndexes('sqlite', 'select * from `t` where (`a` = ? or `b` = ?) and `c` = ?', ['t']);
    expect(s?.columns).toEqual(['c']);
  });

  it('reads UPDATE and DELETE statements, and ignores a statement it cannot parse', async () => {
    expect((await suggestIndexes('postgresql', 'update "t" set "a" = ? where "b" = ?', ['t']))[0]?.columns).toEqual([
      'b',
    ]);
    expect((await suggestIndexes('mysql', 'delete from `t` where `b` between ? and ?', ['t']))[0]?.columns).toEqual([
      'b',
    ]);
    expect(await suggestIndexes('postgresql', 'this is not sql', ['t'])).toEqual([]);
  });

  it('quotes per dialect, with schema, and keeps the name within 63 characters', () => {
    expect(createIndexSql('postgresql', 'app', 'we"ird', ['x'])).toBe(
      'CREATE INDEX "we_ird_x_idx" ON "app"."we""ird" ("x")',
    );
    const long = createIndexSql('sqlite', undefined, 't', ['a'.repeat(40), 'b'.repeat(40)]);
    expect(/^CREATE INDEX "([^"]+)"/.exec(long)?.[1]?.length).toBe(63);
  });
});
