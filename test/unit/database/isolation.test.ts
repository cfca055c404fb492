import { describe, expect, it } from 'vitest';
import {
  SESSION_ISOLATION_CHANGE,
  beginStatements,
  endStatement,
  sessionBegin,
} from '../../../src/database/isolation.js';

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

  it('MySQL/MariaDB: sets the session level once, then begins in one statement; other dialects need no session plan', () => {
    expect(sessionBegin('mysql', 'REPEATABLE_READ', false)).toEqual({
      level: 'REPEATABLE_READ',
      setting: ['SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'START TRANSACTION'],
      set: ['START TRANSACTION /* ISOLATION LEVEL REPEATABLE READ */'],
    });
    expect(sessionBegin('mysql', 'SERIALIZABLE', true)?.set).toEqual([
      'START TRANSACTION READ ONLY /* ISOLATION LEVEL SERIALIZABLE */',
    ]);
    expect(sessionBegin('postgresql', 'REPEATABLE_READ', false)).toBeUndefined();
    expect(sessionBegin('sqlite', 'SERIALIZABLE', false)).toBeUndefined();
  });

  it('tells statements that may change the session level from those that do not', () => {
    for (const sql of [
      'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
      "set transaction_isolation = 'READ-COMMITTED'",
      "SET @@SESSION.tx_isolation = 'SERIALIZABLE'",
      "SET names utf8mb4, SESSION transaction_isolation = 'READ-UNCOMMITTED'",
    ])
      expect(SESSION_ISOLATION_CHANGE.test(sql), sql).toBe(true);
    for (const sql of [
      'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
      'START TRANSACTION /* ISOLATION LEVEL REPEATABLE READ */',
      'SELECT @@SESSION.tx_isolation',
      'SET names utf8mb4',
    ])
      expect(SESSION_ISOLATION_CHANGE.test(sql), sql).toBe(false);
  });
});
