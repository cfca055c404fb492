import { describe, expect, it } from 'vitest';
import { beginStatements, endStatement } from '../../../src/database/isolation.js';

describe('beginStatements', () => {
  it('maps isolation levels and read-only per dialect', () => {
    expect(beginStatements('postgresql', 'SERIALIZABLE', true)).toEqual([
      'BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY',
    ]);
    expect(beginStatements('postgresql', 'READ_COMMITTED', false)).toEqual([
      'BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED',
    ]);
    expect(beginStatements('mysql', 'REPEATABLE_READ', true)).toEqual([
      'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      'START TRANSACTION READ ONLY',
    ]);
    expect(beginStatements('mysql', 'READ_UNCOMMITTED', false)).toEqual([
      'SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED',
      'START TRANSACTION',
    ]);
    expect(beginStatements('sqlite', 'SERIALIZABLE', false)).toEqual(['BEGIN IMMEDIATE']);
    expect(beginStatements('sqlite', 'READ_COMMITTED', true)).toEqual(['BEGIN DEFERRED', 'PRAGMA query_only = ON']);
  });

  it('undoes only what it set on the connection', () => {
    expect(endStatement('sqlite', true)).toBe('PRAGMA query_only = OFF');
    expect(endStatement('sqlite', false)).toBeUndefined();
    expect(endStatement('postgresql', true)).toBeUndefined();
  });
});
