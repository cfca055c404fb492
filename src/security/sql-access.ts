import { LRUCache } from 'lru-cache';
import sqlParser from 'node-sql-parser';
import { canonicalTableNames, type SqlNaming } from './sql-names.js';
import { parseableText } from './sql-parse-text.js';

/** What a statement does to a table: reads it, changes its rows, or changes its definition. */
export type TableAction = 'read' | 'write' | 'schema';

/** The tables one or more SQL statements touch, and whether they need `db:raw:*`. */
export interface SqlAccess {
  /** Canonical table names (see `canonicalTableNames`) with the strongest action on each. */
  readonly tables: readonly { readonly table: string; readonly action: TableAction }[];
  /** Set when the SQL needs `db:raw:*`, with why (`SQL Stator cannot parse`, `function pg_read_file`, ...). */
  readonly raw?: string;
}

const parser = new sqlParser.Parser();

/** node-sql-parser's grammar for each of Stator's dialects. */
const GRAMMAR: Readonly<Record<SqlNaming['dialect'], string>> = {
  postgresql: 'postgresql',
  mysql: 'mariadb',
  sqlite: 'sqlite',
};

const STATEMENT_ACTION: Readonly<Record<string, TableAction>> = {
  select: 'read',
  insert: 'write',
  replace: 'write',
  update: 'write',
  delete: 'write',
  truncate: 'write',
  create: 'schema',
  alter: 'schema',
  drop: 'schema',
  rename: 'schema',
};
const RANK: Readonly<Record<TableAction, number>> = { read: 0, write: 1, schema: 2 };

/**
 * Functions a guarded statement may call without `db:raw`: computations on the values the
 * statement already reads. Any other function (`pg_read_file`, `dblink`, `load_file`, `nextval`,
 * a user-defined function that reads tables on its own) could reach data the table names do not
 * show, so it needs `db:raw`.
 */
const SAFE_FUNCTIONS = new Set([
  'exists',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'lower',
  'upper',
  'coalesce',
  'nullif',
  'ifnull',
  'length',
  'char_length',
  'character_length',
  'octet_length',
  'substr',
  'substring',
  'trim',
  'ltrim',
  'rtrim',
  'abs',
  'round',
  'floor',
  'ceil',
  'ceiling',
  'mod',
  'power',
  'sqrt',
  'now',
  'current_timestamp',
  'current_date',
  'current_time',
  'localtimestamp',
  'concat',
  'concat_ws',
  'replace',
  'greatest',
  'least',
  'date',
  'time',
  'datetime',
  'strftime',
  'julianday',
  'date_trunc',
  'extract',
  'group_concat',
  'string_agg',
  'array_agg',
  'json_agg',
  'jsonb_agg',
  'json_object',
  'json_array',
  'json_extract',
  'instr',
  'position',
  'left',
  'right',
  'lpad',
  'rpad',
  'reverse',
  'sign',
  'cast',
  'row_number',
  'rank',
  'dense_rank',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'total',
  'typeof',
  'hex',
  'quote',
  'bool_and',
  'bool_or',
  'every',
  'unixepoch',
  'to_char',
  'date_format',
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
]);

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

interface TableRef {
  readonly schema: string | null;
  readonly table: string;
  /** True when the name resolves to a CTE in scope rather than a table. */
  readonly cte: boolean;
}

/**
 * Walks a statement's AST: every table reference with whether a CTE in scope answers for it,
 * every function called, every `SELECT ... INTO`.
 *
 * CTE scope as the databases resolve it: a CTE's name is visible in the statement after its WITH
 * and in the bodies of the CTEs defined after it; in its own body only when it is `RECURSIVE`
 * (without that keyword, a body naming itself reads the real table). A write target is never a
 * CTE: `WITH t AS (...) DELETE FROM t` deletes from the table `t`.
 */
class AstWalk {
  public readonly refs: TableRef[] = [];
  public readonly ctes = new Set<string>();
  public problem: string | undefined;

  public node(v: unknown, scope: ReadonlySet<string>, depth: number): void {
    if (this.problem) return;
    if (depth > 200) {
      this.problem = 'SQL nested too deeply to inspect';
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) this.node(item, scope, depth + 1);
      return;
    }
    if (!isNode(v)) return;
    let inner = scope;
    if (Array.isArray(v.with)) {
      const names = new Set(scope);
      for (const cte of v.with as unknown[]) {
        if (!isNode(cte)) continue;
        const name = cteName(cte);
        if (name === undefined) {
          this.problem = 'a WITH clause Stator cannot read';
          return;
        }
        this.ctes.add(name);
        const bodyScope = cte.recursive === true || v.recursive === true ? new Set([...names, name]) : names;
        this.node(cte.stmt, new Set(bodyScope), depth + 1);
        names.add(name);
      }
      inner = names;
    }
    if (v.type === 'function' || v.type === 'aggr_func') {
      const name = functionName(v);
      if (name === undefined || !SAFE_FUNCTIONS.has(name.toLowerCase())) {
        this.problem = `function ${name ?? '(unnamed)'}`;
        return;
      }
    }
    if (v.type === 'select' && isNode(v.into) && v.into.expr !== undefined && v.into.expr !== null) {
      this.problem = 'SELECT ... INTO';
      return;
    }
    if (typeof v.table === 'string' && 'db' in v && v.type !== 'column_ref') {
      const schema = typeof v.db === 'string' ? v.db : null;
      if (typeof v.schema === 'string' && v.schema !== '') {
        this.problem = `a three-part name ${String(v.db)}.${v.schema}.${v.table}`;
        return;
      }
      this.refs.push({ schema, table: v.table, cte: schema === null && inner.has(v.table) });
    }
    for (const [key, child] of Object.entries(v)) {
      if (key === 'with' || key === 'loc') continue;
      if (isNode(child)) this.node(child, inner, depth + 1);
    }
  }
}

function cteName(cte: Node): string | undefined {
  const name = cte.name;
  if (typeof name === 'string') return name;
  if (isNode(name) && typeof name.value === 'string') return name.value;
  return undefined;
}

function functionName(fn: Node): string | undefined {
  const name = fn.name;
  if (typeof name === 'string') return name;
  if (isNode(name) && Array.isArray(name.name)) {
    const parts = (name.name as unknown[]).map((p) => (isNode(p) && typeof p.value === 'string' ? p.value : undefined));
    if (parts.some((p) => p === undefined)) return undefined;
    return parts.join('.');
  }
  return undefined;
}

/**
 * Reads SQL text as the database will (node-sql-parser, the grammar of the dialect), and says
 * which tables it touches and how, in every clause: the target of an INSERT/UPDATE/DELETE,
 * FROM and JOIN, subqueries anywhere (select list, WHERE, LIMIT/OFFSET, ON CONFLICT ... DO UPDATE,
 * UPDATE ... FROM), CTE bodies, set operations. Reads from a CTE are not table reads, but the CTE's
 * body is; a CTE never hides a table of the same name (see `AstWalk`).
 *
 * Needs `db:raw:*`: text the grammar cannot parse, statements other than SELECT, INSERT, REPLACE,
 * UPDATE, DELETE, TRUNCATE and CREATE/ALTER/DROP/RENAME, functions outside a small list of pure
 * ones, `SELECT ... INTO`, three-part names, and names Stator cannot canonicalise.
 *
 * Two sources must agree: the parser's own table list (every table of every clause it knows) and
 * the walk above (CTE scope). A name in either is checked unless every reference to it is a read of
 * a CTE in scope.
 */
export function sqlAccess(sql: string, naming: SqlNaming): SqlAccess {
  // A pure function of the text and the naming: repeated statements (bindings are placeholders,
  // so an application has few distinct texts) are parsed once.
  const cacheKey = `${naming.dialect}\u0000${naming.defaultSchema ?? ''}\u0000${sql}`;
  const cached = sql.length <= MAX_CACHED_SQL ? accessCache.get(cacheKey) : undefined;
  if (cached) return cached;
  const access = readSqlAccess(sql, naming);
  if (sql.length <= MAX_CACHED_SQL) accessCache.set(cacheKey, access);
  return access;
}

const MAX_CACHED_SQL = 8192;
const accessCache = new LRUCache<string, SqlAccess>({ max: 2000 });

function readSqlAccess(sql: string, naming: SqlNaming): SqlAccess {
  const tables = new Map<string, TableAction>();
  const add = (table: string, action: TableAction): void => {
    const before = tables.get(table);
    if (before === undefined || RANK[action] > RANK[before]) tables.set(table, action);
  };
  const result = (raw?: string): SqlAccess => {
    const list = [...tables].map(([table, action]) => ({ table, action }));
    return raw === undefined ? { tables: list } : { tables: list, raw };
  };

  const parsed = parseSql(sql, naming);
  if (!parsed) return result('SQL Stator cannot parse');

  const statements = (Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast]) as unknown[];
  const walk = new AstWalk();
  for (const statement of statements) {
    if (
      !isNode(statement) ||
      typeof statement.type !== 'string' ||
      !(statement.type.toLowerCase() in STATEMENT_ACTION)
    ) {
      return result(`a ${isNode(statement) ? String(statement.type).toUpperCase() : 'non-'} statement`);
    }
    walk.node(statement, new Set(), 0);
    if (walk.problem) return result(walk.problem);
  }

  const byName = new Map<string, TableRef[]>();
  for (const ref of walk.refs) {
    const key = `${ref.schema ?? ''}\u0000${ref.table}`;
    byName.set(key, [...(byName.get(key) ?? []), ref]);
  }
  const seen = new Set<string>();
  for (const entry of parsed.tableList) {
    const [op = '', schemaPart = 'null', ...rest] = entry.split('::');
    const table = rest.join('::');
    const action = STATEMENT_ACTION[op.toLowerCase()];
    if (!action) return result(`a ${op.toUpperCase()} statement`);
    const schema = schemaPart === 'null' ? null : schemaPart;
    const key = `${schema ?? ''}\u0000${table}`;
    seen.add(key);
    const refs = byName.get(key) ?? [];
    if (action === 'read' && refs.length > 0 && refs.every((r) => r.cte)) continue;
    const names = canonicalTableNames(schema, table, naming);
    if (typeof names === 'string') return result(names);
    for (const name of names) add(name, action);
  }
  // References the table list did not name (it should name them all): checked as reads.
  for (const [key, refs] of byName) {
    if (seen.has(key) || refs.every((r) => r.cte)) continue;
    const ref = refs[0] as TableRef;
    const names = canonicalTableNames(ref.schema, ref.table, naming);
    if (typeof names === 'string') return result(names);
    for (const name of names) add(name, 'read');
  }
  return result();
}

/** The first reading of `sql` the dialect's grammar parses (see `parseableText`); undefined when none does. */
function parseSql(sql: string, naming: SqlNaming): { tableList: string[]; ast: unknown } | undefined {
  for (const attempt of parseableText(sql, naming.dialect)) {
    try {
      return parser.parse(attempt.text, { database: attempt.grammar ?? GRAMMAR[naming.dialect] });
    } catch {
      // try the next reading, if any
    }
  }
  return undefined;
}
