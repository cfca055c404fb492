/**
 * What a knex query touches, read from the builder knex built (its `_method`, `_single` and
 * `_statements`), before it is compiled or sent. See {@link queryAccess} for exactly what is covered.
 */
export interface QueryAccess {
  /** Tables read or written, `schema.table` when a schema is given. */
  readonly tables: readonly { readonly table: string; readonly action: 'read' | 'write' }[];
  /** Set when the query needs `db:raw:*`, with why (`raw SQL`, `schema change`, `whereRaw fragment`, ...). */
  readonly raw?: string;
}

type Obj = Record<string, unknown>;

const READ_METHODS = new Set(['select', 'first', 'pluck', 'columnInfo']);
const WRITE_METHODS = new Set(['insert', 'update', 'del', 'delete', 'truncate', 'upsert']);
const MAX_DEPTH = 32;
/** `knex.fn.now()` and `knex.fn.now(precision)` are the only raw fragments that need no `db:raw`. */
const HARMLESS_RAW = /^CURRENT_TIMESTAMP(\(\d+\))?$/;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const isQueryBuilder = (v: unknown): v is Obj => isObj(v) && Array.isArray(v._statements) && isObj(v._single) && 'client' in v;
const isSchemaBuilder = (v: unknown): v is Obj => isObj(v) && Array.isArray(v._sequence) && 'client' in v;
const isRef = (v: unknown): boolean => isObj(v) && typeof v.ref === 'string' && 'client' in v;
const isRaw = (v: unknown): v is Obj => isObj(v) && 'sql' in v && 'bindings' in v && 'client' in v && !('_statements' in v);
const isJoin = (v: unknown): v is Obj => isObj(v) && 'joinType' in v && 'clauses' in v;

class Walker {
  public readonly tables = new Map<string, 'read' | 'write'>();
  public raw: string | undefined;

  public add(table: string, action: 'read' | 'write'): void {
    if (this.tables.get(table) !== 'write') this.tables.set(table, action);
  }

  public needRaw(why: string): void {
    this.raw ??= why;
  }

  public query(qb: Obj, outerCtes: ReadonlySet<string>, depth: number): void {
    if (depth > MAX_DEPTH) return this.needRaw('query nested too deeply to inspect');
    const method = String(qb._method ?? 'select');
    const action = READ_METHODS.has(method) ? 'read' : WRITE_METHODS.has(method) ? 'write' : undefined;
    if (!action) this.needRaw(`query method ${method}`);
    const ctes = new Set(outerCtes);
    const statements = qb._statements as unknown[];
    for (const s of statements) if (isObj(s) && s.grouping === 'with' && typeof s.alias === 'string') ctes.add(s.alias);
    const single = qb._single as Obj;
    const schema = typeof single.schema === 'string' ? single.schema : undefined;
    this.table(single.table, action ?? 'write', schema, ctes, qb, depth);
    for (const key of ['insert', 'update', 'counter', 'merge', 'returning'] as const) this.value(single[key], ctes, qb, depth);
    for (const s of statements) {
      if (isJoin(s)) {
        this.table(s.table, 'read', typeof s.schema === 'string' ? s.schema : schema, ctes, qb, depth);
        this.value(s.clauses, ctes, qb, depth);
      } else {
        this.value(s, ctes, qb, depth);
      }
    }
  }

  private table(value: unknown, action: 'read' | 'write', schema: string | undefined, ctes: ReadonlySet<string>, qb: Obj, depth: number): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'string') {
      const name = value.split(/\s+as\s+/i)[0]?.trim() ?? value;
      if (!schema && ctes.has(name)) return;
      this.add(schema ? `${schema}.${name}` : name, action);
    } else if (isQueryBuilder(value) || isRaw(value) || typeof value === 'function') {
      this.value(value, ctes, qb, depth);
    } else if (isObj(value) && !Array.isArray(value)) {
      for (const v of Object.values(value)) this.table(v, action, schema, ctes, qb, depth); // { alias: 'table' }
    } else {
      this.needRaw('a table given in a form Stator cannot inspect');
    }
  }

  private value(v: unknown, ctes: ReadonlySet<string>, qb: Obj, depth: number): void {
    if (v === undefined || v === null || typeof v !== 'object' && typeof v !== 'function') return;
    if (typeof v === 'function') {
      // knex calls such callbacks with a fresh builder when it compiles; do the same to see inside.
      const client = qb.client as { queryBuilder(): Obj };
      const fresh = client.queryBuilder();
      (v as (this: Obj, b: Obj) => void).call(fresh, fresh);
      return this.query(fresh, ctes, depth + 1);
    }
    if (isQueryBuilder(v)) return this.query(v, ctes, depth + 1);
    if (isRef(v)) return;
    if (isRaw(v)) {
      if (!HARMLESS_RAW.test(String(v.sql))) this.needRaw('a raw SQL fragment');
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) this.value(item, ctes, qb, depth);
      return;
    }
    if (Object.getPrototypeOf(v) === Object.prototype || isJoin(v)) {
      for (const item of Object.values(v)) this.value(item, ctes, qb, depth);
    }
  }
}

/**
 * The tables a knex query reads and writes, and whether it needs `db:raw:*`.
 *
 * Covered:
 * - the query's own table (`knex('orders')`, `.from()`, `.into()`, `.table()`, aliases
 *   `'orders as o'` and `{ o: 'orders' }`, `.withSchema('s')` → `s.orders`): **write** for
 *   insert, update (increment/decrement), delete, truncate, upsert; **read** for select, first,
 *   pluck, columnInfo;
 * - joined tables (read), subqueries anywhere (`whereIn`, `whereExists`, `from(subquery)`,
 *   unions, insert … select, values that are queries), including callback subqueries, which are
 *   called on a fresh builder the way knex calls them when compiling (so they must be free of
 *   side effects, as knex already expects);
 * - CTEs: `with('w', q)` checks `q`; reading `w` later is not a table access.
 *
 * Needs `db:raw:*`: `knex.raw(...)` run on its own, schema changes (`knex.schema...`), and any raw
 * fragment inside a query (`whereRaw`, `joinRaw`, `knex.raw` as a value or column) except
 * `knex.fn.now()`; a query method other than the ones above; a table given as something else
 * than a name, a query or a callback.
 */
export function queryAccess(builder: unknown): QueryAccess {
  const walker = new Walker();
  if (isSchemaBuilder(builder)) walker.needRaw('a schema change');
  else if (isQueryBuilder(builder)) walker.query(builder, new Set(), 0);
  else if (isRaw(builder)) walker.needRaw('raw SQL');
  else walker.needRaw('a statement Stator cannot inspect');
  const tables = [...walker.tables].map(([table, action]) => ({ table, action }));
  return walker.raw === undefined ? { tables } : { tables, raw: walker.raw };
}
