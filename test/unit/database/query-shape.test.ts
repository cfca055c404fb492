import { describe, expect, it } from 'vitest';
import { queryShape } from '../../../src/database/query-shape.js';

describe('queryShape', () => {
  it('replaces literals and placeholders and folds lists', () => {
    expect(queryShape("select * from users where email = 'a@b.c' and id in (1, 2, 3)")).toBe(
      'select * from users where email = ? and id in (?)',
    );
    expect(queryShape('select * from "t" where "x" = $1 and "y" = $2')).toBe(
      'select * from "t" where "x" = ? and "y" = ?',
    );
    expect(queryShape('insert into t (a, b) values (?, ?), (?, ?), (?, ?)')).toBe('insert into t (a, b) values (?)');
    expect(queryShape("select 'it''s', 1.5e3, x'ff'")).toBe('select ?');
  });

  it('keeps identifiers with digits and casts, collapses whitespace', () => {
    expect(queryShape('select a::text,\n   t1.col_2024 from t1')).toBe('select a::text, t1.col_2024 from t1');
  });

  it('gives queries that differ only in values the same shape', () => {
    expect(queryShape("select * from t where name = 'alice'")).toBe(queryShape("select * from t where name = 'bob'"));
  });

  it('caps very long statements', () => {
    expect(queryShape(`select ${'a, '.repeat(1000)}b from t`).length).toBeLessThanOrEqual(1001);
  });
});
