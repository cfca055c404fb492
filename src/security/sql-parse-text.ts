import type { SqlNaming } from './sql-names.js';

/** One way to hand SQL text to the parser: the text, and a grammar other than the dialect's own. */
export interface ParseAttempt {
  readonly text: string;
  readonly grammar?: string;
}

/**
 * The readings of `sql` to parse, in order; the first that parses is used.
 *
 * PostgreSQL and MySQL text is parsed as sent. node-sql-parser 5.4's SQLite grammar refuses `?`
 * placeholders in some places (`LIMIT ?`) and the `ON CONFLICT` clause, so SQLite text is read
 * with each `?` placeholder replaced by `0` (a bound value is data, never SQL: the statement's
 * structure is unchanged), and, when that fails, also through the PostgreSQL grammar with
 * backtick identifiers written in double quotes (SQLite accepts both, and took its upsert syntax
 * from PostgreSQL). The lexer below knows SQLite's strings, quoted identifiers and comments, so a
 * `?` inside them is left alone.
 */
export function parseableText(sql: string, dialect: SqlNaming['dialect']): ParseAttempt[] {
  if (dialect !== 'sqlite') return [{ text: sql }];
  const { placeholders, doubleQuoted } = rewriteSqlite(sql);
  return [{ text: placeholders }, { text: doubleQuoted, grammar: 'postgresql' }];
}

function rewriteSqlite(sql: string): { placeholders: string; doubleQuoted: string } {
  let a = '';
  let b = '';
  let i = 0;
  const n = sql.length;
  const copyUntil = (end: number): void => {
    const part = sql.slice(i, end);
    a += part;
    b += part;
    i = end;
  };
  while (i < n) {
    const c = sql[i] as string;
    if (c === "'" || c === '"' || c === '[') {
      copyUntil(quotedEnd(sql, i, c === '[' ? ']' : c));
    } else if (c === '`') {
      const { end: j, name } = backtickName(sql, i);
      a += sql.slice(i, j);
      b += `"${name.replace(/"/g, '""')}"`;
      i = j;
    } else if (c === '-' && sql[i + 1] === '-') {
      const k = sql.indexOf('\n', i);
      copyUntil(k < 0 ? n : k + 1);
    } else if (c === '/' && sql[i + 1] === '*') {
      const k = sql.indexOf('*/', i + 2);
      copyUntil(k < 0 ? n : k + 2);
    } else if (c === '?') {
      a += '0';
      b += '0';
      i++;
    } else {
      a += c;
      b += c;
      i++;
    }
  }
  return { placeholders: a, doubleQuoted: b };
}

/**
 * Where the string or quoted identifier opened at `start` ends (just past `close`); a doubled
 * quote inside is part of it (not in `[...]`). Unterminated: the end of the text.
 */
function quotedEnd(sql: string, start: number, close: string): number {
  let j = start + 1;
  for (;;) {
    const k = sql.indexOf(close, j);
    if (k < 0) return sql.length;
    if (close !== ']' && sql[k + 1] === close) {
      j = k + 2;
      continue;
    }
    return k + 1;
  }
}

/**
 * The backtick identifier opened at `start`: where it ends (just past the closing backtick) and
 * the name it spells (a doubled backtick is one backtick). Unterminated: up to the end of the text.
 */
function backtickName(sql: string, start: number): { end: number; name: string } {
  let j = start + 1;
  let name = '';
  for (;;) {
    const k = sql.indexOf('`', j);
    if (k < 0) return { end: sql.length, name: name + sql.slice(j) };
    name += sql.slice(j, k);
    if (sql[k + 1] === '`') {
      name += '`';
      j = k + 2;
      continue;
    }
    return { end: k + 1, name };
  }
}
