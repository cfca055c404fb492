import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, expectKind } from './support/capture.js';

// Errors captured from real SQLite databases (better-sqlite3 12), classified by the detector.

/** The little of better-sqlite3 this file uses (the package ships no types, and none are installed). */
interface SqliteDatabase {
  exec(sql: string): void;
  pragma(sql: string): unknown;
  close(): void;
}
type SqliteConstructor = new (file: string, options?: { timeout?: number; readonly?: boolean }) => SqliteDatabase;
const Database = createRequire(import.meta.url)('better-sqlite3') as SqliteConstructor;

let dir: string;
let file: string;
let db: SqliteDatabase;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stator-res-sqlite-'));
  file = join(dir, 'test.sqlite');
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, u TEXT UNIQUE)');
  db.exec("INSERT INTO t VALUES (1, 0, 'a')");
});

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('error detector — SQLite (better-sqlite3), real errors', () => {
  it('a writer locked out by another connection: SQLITE_BUSY, transient, not counted', async () => {
    const other = new Database(file, { timeout: 0 });
    try {
      db.exec('BEGIN IMMEDIATE');
      const error = await capture(() => other.exec('UPDATE t SET v = 1'));
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      expectKind(error, 'busy', { transient: true, countsAsFailure: false });
    } finally {
      db.exec('ROLLBACK');
      other.close();
    }
  });

  it('constraint violations (extended codes): SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE / _NOTNULL', async () => {
    for (const [sql, code] of [
      ["INSERT INTO t VALUES (1, 0, 'b')", 'SQLITE_CONSTRAINT_PRIMARYKEY'],
      ["INSERT INTO t VALUES (2, 0, 'a')", 'SQLITE_CONSTRAINT_UNIQUE'],
      ["INSERT INTO t VALUES (3, NULL, 'c')", 'SQLITE_CONSTRAINT_NOTNULL'],
    ] as const) {
      const error = await capture(() => db.exec(sql));
      expect(error).toMatchObject({ code });
      expectKind(error, 'constraint', { transient: false, countsAsFailure: false, fallbackAllowed: false });
    }
  });

  it('SQLITE_ERROR is split: a syntax error apart from a missing table', async () => {
    const syntax = await capture(() => db.exec('SELEC 1'));
    expect(syntax).toMatchObject({ code: 'SQLITE_ERROR' });
    expectKind(syntax, 'syntax', { transient: false });
    const missing = await capture(() => db.exec('SELECT * FROM nope'));
    expect(missing).toMatchObject({ code: 'SQLITE_ERROR' });
    expectKind(missing, 'invalid-query', { transient: false });
  });

  it('a read-only database: SQLITE_READONLY, counts against the breaker', async () => {
    const ro = new Database(file, { readonly: true });
    try {
      const error = await capture(() => ro.exec('UPDATE t SET v = 2'));
      expect((error as { code: string }).code).toMatch(/^SQLITE_READONLY/);
      expectKind(error, 'read-only', { transient: false, countsAsFailure: true });
    } finally {
      ro.close();
    }
  });

  it("a database file that cannot be opened: SQLITE_CANTOPEN (and better-sqlite3's own missing-directory check), configuration", async () => {
    const cantOpen = await capture(() => new Database(dir));
    expect(cantOpen).toMatchObject({ code: 'SQLITE_CANTOPEN' });
    expectKind(cantOpen, 'configuration', { countsAsFailure: true });
    const noDir = await capture(() => new Database(join(dir, 'no', 'such', 'dir', 'x.sqlite')));
    expect(noDir).toBeInstanceOf(TypeError);
    expectKind(noDir, 'configuration', { countsAsFailure: true });
  });
});
