import type { Dialect } from './dialect.js';
import type { IndexSuggestion } from './query-plan-report.js';

type Reason = IndexSuggestion['reasons'][number];

/** The AST nodes of node-sql-parser this reads (column names come as a string or `{ expr: { value } }`). */
interface Node {
  readonly type?: string;
  readonly operator?: string;
  readonly left?: Node;
  readonly right?: Node | { readonly type: 'expr_list'; readonly value: readonly Node[] };
  readonly table?: string | null;
  readonly column?: string | { readonly expr?: { readonly value?: unknown } };
  readonly value?: unknown;
}

interface TableRef {
  readonly db?: string | null;
  readonly table?: string;
  readonly as?: string | null;
  readonly on?: Node;
}

interface Statement {
  readonly type?: string;
  readonly from?: readonly TableRef[] | null;
  readonly table?: readonly TableRef[] | null;
  readonly where?: Node | null;
  readonly orderby?: ReadonlyArray<{ readonly expr: Node }> | null;
}

const PARSER_DIALECT: Readonly<Record<Dialect, string>> = {
  postgresql: 'postgresql',
  mysql: 'mysql',
  sqlite: 'sqlite',
};
const EQUALITY = new Set(['=', 'IN', 'IS']);
const RANGE = new Set(['<', '>', '<=', '>=', 'BETWEEN', 'LIKE', 'ILIKE']);
/** PostgreSQL and MySQL cap identifiers at 63/64 characters. */
const MAX_NAME = 63;

type ParserClass = new () => { astify(sql: string, options: { database: string }): unknown };
let parser: Promise<ParserClass> | undefined;

/** node-sql-parser is large: loaded on the first explain, not when Stator starts. */
function loadParser(): Promise<ParserClass> {
  parser ??= import('node-sql-parser').then(
    (m) =>
      (m as unknown as { Parser: ParserClass }).Parser ?? (m as { default: { Parser: ParserClass } }).default.Parser,
  );
  return parser;
}

/**
 * Suggests one index per table the plan scans without one, from the statement's own columns
 * (parsed by node-sql-parser in the dialect's grammar): columns compared for equality (`=`,
 * `IN`, `IS NULL`) first, then join columns, then the first range column (`<`, `>`, `BETWEEN`,
 * `LIKE`), or, without a range, the `ORDER BY` columns, so the index also returns rows in order.
 * Conditions under `OR` are left out (an index on one branch does not serve the other). A table
 * with no such column gets no suggestion. Never throws: a statement the parser does not read
 * gets none.
 *
 * @example
 * ```ts
 * await suggestIndexes('postgresql', 'select * from "orders" where "customer_id" = ? order by "created_at"', ['orders']);
 * // [{ table: 'orders', columns: ['customer_id', 'created_at'], reasons: ['equality', 'order'],
 * //    sql: 'CREATE INDEX "orders_customer_id_created_at_idx" ON "orders" ("customer_id", "created_at")' }]
 * ```
 */
export async function suggestIndexes(
  dialect: Dialect,
  sql: string,
  scanned: readonly string[],
): Promise<IndexSuggestion[]> {
  if (scanned.length === 0) return [];
  let ast: unknown;
  try {
    const Parser = await loadParser();
    ast = new Parser().astify(withoutPlaceholders(sql), { database: PARSER_DIALECT[dialect] });
  } catch {
    return [];
  }
  const statement = (Array.isArray(ast) ? ast[0] : ast) as Statement | undefined;
  if (!statement) return [];
  const tables = [...(statement.from ?? []), ...(statement.type === 'update' ? (statement.table ?? []) : [])].filter(
    (t) => typeof t.table === 'string',
  );
  const out: IndexSuggestion[] = [];
  const done = new Set<string>();
  for (const name of scanned) {
    const ref = tables.find((t) => t.as === name || t.table === name);
    if (!ref?.table || done.has(ref.table)) continue;
    done.add(ref.table);
    const columns = columnsFor(statement, ref, tables.length === 1);
    if (columns.length === 0) continue;
    out.push({
      table: ref.table,
      columns: columns.map((c) => c.column),
      reasons: columns.map((c) => c.reason),
      sql: createIndexSql(
        dialect,
        ref.db ?? undefined,
        ref.table,
        columns.map((c) => c.column),
      ),
    });
  }
  return out;
}

/** `CREATE INDEX` in the dialect's quoting, with a name from the table and columns. */
export function createIndexSql(
  dialect: Dialect,
  schema: string | undefined,
  table: string,
  columns: readonly string[],
): string {
  const q = (id: string): string =>
    dialect === 'mysql' ? `\`${id.replace(/`/g, '``')}\`` : `"${id.replace(/"/g, '""')}"`;
  let name = `${table}_${columns.join('_')}_idx`.replace(/[^A-Za-z0-9_]/g, '_');
  if (name.length > MAX_NAME) name = name.slice(0, MAX_NAME);
  const target = schema ? `${q(schema)}.${q(table)}` : q(table);
  return `CREATE INDEX ${q(name)} ON ${target} (${columns.map(q).join(', ')})`;
}

function columnsFor(statement: Statement, ref: TableRef, single: boolean): Array<{ column: string; reason: Reason }> {
  const mine = (node: Node | undefined): string | undefined => {
    if (node?.type !== 'column_ref') return undefined;
    const column = columnName(node);
    if (!column || column === '*') return undefined;
    if (node.table === null || node.table === undefined) return single ? column : undefined;
    return node.table === ref.as || node.table === ref.table ? column : undefined;
  };
  const equality: string[] = [];
  const join: string[] = [];
  const range: string[] = [];
  // WHERE and every JOIN ... ON: a column compared with another table's column is a join column.
  const conditions = [
    ...conjuncts(statement.where ?? undefined),
    ...(statement.from ?? []).flatMap((t) => conjuncts(t.on)),
  ];
  for (const c of conditions) {
    const op = (c.operator ?? '').toUpperCase();
    const right = c.right && c.right.type !== 'expr_list' ? (c.right as Node) : undefined;
    const left = mine(c.left);
    const column = left ?? mine(right);
    if (!column) continue;
    const other = left ? right : c.left;
    if (other?.type === 'column_ref' && op === '=') join.push(column);
    else if (EQUALITY.has(op)) equality.push(column);
    else if (RANGE.has(op)) range.push(column);
  }
  const order = (statement.orderby ?? []).map((o) => mine(o.expr));
  const ordered = order.every((c) => c !== undefined) ? (order as string[]) : [];
  const picked: Array<{ column: string; reason: Reason }> = [];
  const add = (column: string, reason: Reason): void => {
    if (!picked.some((p) => p.column === column)) picked.push({ column, reason });
  };
  for (const c of equality) add(c, 'equality');
  for (const c of join) add(c, 'join');
  if (range[0] !== undefined) add(range[0], 'range');
  else for (const c of ordered) add(c, 'order');
  return picked;
}

/** The AND-ed conditions of an expression; an OR (or anything else) is one opaque condition. */
function conjuncts(node: Node | undefined): Node[] {
  if (!node) return [];
  if (node.type === 'binary_expr' && (node.operator ?? '').toUpperCase() === 'AND') {
    return [...conjuncts(node.left), ...conjuncts(node.right as Node | undefined)];
  }
  return node.type === 'binary_expr' && (node.operator ?? '').toUpperCase() !== 'OR' ? [node] : [];
}

function columnName(node: Node): string | undefined {
  const c = node.column;
  if (typeof c === 'string') return c;
  const v = c?.expr?.value;
  return typeof v === 'string' ? v : undefined;
}

/** `?` placeholders (outside quotes) become `0`: the parser reads literals, and values do not matter here. */
function withoutPlaceholders(sql: string): string {
  let out = '';
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? '0' : ch;
  }
  return out;
}
