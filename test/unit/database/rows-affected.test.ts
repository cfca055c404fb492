import { describe, expect, it } from 'vitest';
import { rowsAffected } from '../../../src/database/rows-affected.js';

describe('rowsAffected', () => {
  it("reads each driver's raw response", () => {
    expect(rowsAffected({ command: 'UPDATE', rowCount: 3, rows: [] })).toBe(3);
    expect(rowsAffected([[{ a: 1 }, { a: 2 }], [{ name: 'a' }]])).toBe(2);
    expect(rowsAffected([{ affectedRows: 4, insertId: 0 }, undefined])).toBe(4);
    expect(rowsAffected([{ a: 1 }, { a: 2 }, { a: 3 }])).toBe(3);
    expect(rowsAffected({ changes: 1, lastInsertRowid: 7 })).toBe(1);
    expect(rowsAffected(undefined)).toBeUndefined();
  });
});
