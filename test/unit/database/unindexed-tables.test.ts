import { describe, expect, it } from 'vitest';
import { unindexedTables } from '../../../src/database/unindexed-tables.js';

describe('unindexedTables', () => {
  it('finds PostgreSQL Seq Scan nodes, nested under joins', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Hash Join',
          Plans: [
            { 'Node Type': 'Seq Scan', 'Relation Name': 'orders', Alias: 'o' },
            {
              'Node Type': 'Hash',
              Plans: [{ 'Node Type': 'Index Scan', 'Relation Name': 'users', 'Index Name': 'users_pkey' }],
            },
          ],
        },
      },
    ];
    expect(unindexedTables('postgresql', plan)).toEqual(['orders']);
  });

  it('finds MySQL and MariaDB tables with access_type ALL', () => {
    const mysql = {
      query_block: {
        select_id: 1,
        nested_loop: [
          { table: { table_name: 'a', access_type: 'ALL' } },
          { table: { table_name: 'b', access_type: 'eq_ref', key: 'PRIMARY' } },
        ],
      },
    };
    expect(unindexedTables('mysql', mysql)).toEqual(['a']);
    const mariadb = { query_block: { select_id: 1, table: { table_name: 'c', access_type: 'ALL', rows: 50 } } };
    expect(unindexedTables('mysql', mariadb)).toEqual(['c']);
    expect(
      unindexedTables('mysql', { query_block: { table: { table_name: 'd', access_type: 'ref', key: 'idx' } } }),
    ).toEqual([]);
  });

  it('finds SQLite SCAN rows without an index, old and new wording', () => {
    const rows = [
      { id: 2, parent: 0, detail: 'SCAN people' },
      { id: 3, parent: 0, detail: 'SCAN TABLE legacy' },
      { id: 4, parent: 0, detail: 'SEARCH orders USING INDEX orders_customer (customer_id=?)' },
      { id: 5, parent: 0, detail: 'SCAN items USING COVERING INDEX items_name' },
      { id: 6, parent: 0, detail: 'SCAN CONSTANT ROW' },
      { id: 7, parent: 0, detail: 'USE TEMP B-TREE FOR ORDER BY' },
    ];
    expect(unindexedTables('sqlite', rows)).toEqual(['people', 'legacy']);
  });

  it('returns nothing for a plan it does not understand', () => {
    expect(unindexedTables('postgresql', undefined)).toEqual([]);
    expect(unindexedTables('sqlite', { not: 'rows' })).toEqual([]);
  });
});
