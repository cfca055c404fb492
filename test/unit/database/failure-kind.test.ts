import { describe, expect, it } from 'vitest';
import { failureKind } from '../../../src/database/failure-kind.js';

const err = (fields: Record<string, unknown>, message = 'x'): Error => Object.assign(new Error(message), fields);

describe('failureKind', () => {
  it('classifies PostgreSQL deadlocks, serialization failures and lost connections', () => {
    expect(failureKind('postgresql', err({ code: '40P01' }))).toBe('deadlock');
    expect(failureKind('postgresql', err({ code: '40001' }))).toBe('serialization');
    expect(failureKind('postgresql', err({ code: '57P01' }))).toBe('connection');
    expect(failureKind('postgresql', new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(failureKind('postgresql', err({ code: '23505' }))).toBe('other');
  });

  it('classifies MySQL 1213 and 1205 and lost connections', () => {
    expect(failureKind('mysql', err({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }))).toBe('deadlock');
    expect(failureKind('mysql', err({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' }))).toBe('lock_timeout');
    expect(failureKind('mysql', err({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toBe('connection');
    expect(failureKind('mysql', err({ errno: 1927 }))).toBe('connection');
    expect(failureKind('mysql', err({ errno: 1062, code: 'ER_DUP_ENTRY' }))).toBe('other');
  });

  it('classifies SQLite BUSY, and looks through causes', () => {
    expect(failureKind('sqlite', err({ code: 'SQLITE_BUSY' }))).toBe('busy');
    expect(failureKind('sqlite', err({ code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe('busy');
    expect(failureKind('postgresql', new Error('wrapped', { cause: err({ code: '40P01' }) }))).toBe('deadlock');
    expect(failureKind('mysql', undefined)).toBe('other');
  });
});
