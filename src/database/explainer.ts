import type { Knex } from 'knex';
import type { Dialect } from './dialect.js';
import type { QueryPlanReport } from './query-plan-report.js';
import { isExplainable } from './query-kind.js';
import { queryShape } from './query-shape.js';
import type { ExplainableQuery } from './database-api.js';
import { suggestIndexes } from './index-advisor.js';
import { unindexedTables } from './unindexed-tables.js';

const PREFIX: Readonly<Record<Dialect, string>> = {
  postgresql: 'EXPLAIN (FORMAT JSON) ',
  mysql: 'EXPLAIN FORMAT=JSON ',
  sqlite: 'EXPLAIN QUERY PLAN ',
};

/** SQL with `?` placeholders and its bindings, from anything {@link explainQuery} accepts. */
export function toSqlAndBindings(query: ExplainableQuery): { sql: string; bindings: readonly unknown[] } {
  if (typeof query === 'string') return { sql: query, bindings: [] };
  if ('toSQL' in query && typeof query.toSQL === 'function') {
    const compiled = query.toSQL() as
      { sql: string; bindings?: readonly unknown[] } | Array<{ sql: string; bindings?: readonly unknown[] }>;
    const one = Array.isArray(compiled) ? compiled[0] : compiled;
    return { sql: one?.sql ?? '', bindings: one?.bindings ?? [] };
  }
  const plain = query as { sql: string; bindings?: readonly unknown[] };
  return { sql: plain.sql, bindings: plain.bindings ?? [] };
}

/**
 * Asks the database for the plan of a statement (without running it), reports the tables it
 * scans without an index and suggests an index for each (see {@link suggestIndexes}). Runs through `knex` (so on Stator's pool). Never rejects for a plan the
 * database refuses: the report then carries `explainError`.
 */
export async function explainQuery(knex: Knex, dialect: Dialect, query: ExplainableQuery): Promise<QueryPlanReport> {
  const { sql, bindings } = toSqlAndBindings(query);
  const shape = queryShape(sql);
  if (!isExplainable(sql)) {
    return {
      dialect,
      shape,
      unindexedTables: [],
      suggestedIndexes: [],
      explainError: 'only SELECT, INSERT, UPDATE, DELETE and REPLACE statements can be explained',
    };
  }
  try {
    const raw: unknown = await knex.raw(PREFIX[dialect] + sql, bindings as readonly Knex.RawBinding[]);
    const plan = planOf(dialect, raw);
    const scanned = unindexedTables(dialect, plan);
    return {
      dialect,
      shape,
      unindexedTables: scanned,
      suggestedIndexes: await suggestIndexes(dialect, sql, scanned),
      plan,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { dialect, shape, unindexedTables: [], suggestedIndexes: [], explainError: queryShape(message) };
  }
}

/** The plan inside each driver's raw result. */
function planOf(dialect: Dialect, raw: unknown): unknown {
  if (dialect === 'postgresql') {
    const row = (raw as { rows?: Array<Record<string, unknown>> }).rows?.[0];
    const value = row?.['QUERY PLAN'];
    return typeof value === 'string' ? JSON.parse(value) : value;
  }
  if (dialect === 'mysql') {
    const rows = (raw as unknown[])[0] as Array<Record<string, unknown>>;
    const value = rows?.[0]?.EXPLAIN ?? Object.values(rows?.[0] ?? {})[0];
    return typeof value === 'string' ? JSON.parse(value) : value;
  }
  return raw;
}
