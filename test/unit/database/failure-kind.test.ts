import { describe, expect, it } from 'vitest';
import { failureKind } from '../../../src/database/failure-kind.js';

const err = (fields: Record<string, unknown>, message = 'x'): Error => Object.assign(new Error(message), fields);

describe('failureKind', () => {
  it('classifies PostgreSQL deadlocks, serialization failures and lost connections', () => {
    expect(failureKind(err({ code: '40P01' }))).toBe('deadlock');
    expect(failureKind(err({ code: '40001' }))).toBe('serialization');
    expect(failureKind(err({ code: '57P01' }))).toBe('connection');
    expect(failureKind(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(failureKind(err({ code: '23505' }))).toBe('other');
  });

  it('classifies MySQL 1213 and 1205 and lost connections', () => {
    expect(failureKind(err({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }))).toBe('deadlock');
    expect(failureKind(err({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' }))).toBe('lock-timeout');
    expect(failureKind(err({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toBe('connection');
    expect(failureKind(err({ errno: 1927 }))).toBe('connection');
    expect(failureKind(err({ errno: 1062, code: 'ER_DUP_ENTRY' }))).toBe('other');
  });

  it('classifies SQLite BUSY, and looks through causes', () => {
    expect(failureKind(err({ code: 'SQLITE_BUSY' }))).toBe('busy');
    expect(failureKind(err({ code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe('busy');
    expect(failureKind(new Error('wrapped', { cause: err({ code: '40P01' }) }))).toBe('deadlock');
    expect(failureKind(undefined)).toBe('other');
  });
});
