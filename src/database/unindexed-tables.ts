import type { Dialect } from './dialect.js';

/**
 * The tables a plan reads by a full scan, without an index, per dialect:
 * - PostgreSQL (`EXPLAIN (FORMAT JSON)`): nodes of type `Seq Scan` (their `Relation Name`);
 * - MySQL/MariaDB (`EXPLAIN FORMAT=JSON`): `table` entries with `access_type: "ALL"`;
 * - SQLite (`EXPLAIN QUERY PLAN` rows): `SCAN <table>` without `USING ... INDEX`.
 */
export function unindexedTables(dialect: Dialect, plan: unknown): string[] {
  const found = new Set<string>();
  if (dialect === 'sqlite') {
    for (const row of Array.isArray(plan) ? plan : []) {
      const detail = (row as { detail?: unknown }).detail;
      if (typeof detail !== 'string') continue;
      const m = /^SCAN (?:TABLE )?([^\s(][^\s]*)/.exec(detail);
      if (m?.[1] && !/\bUSING\b.*\bINDEX\b|\bVIRTUAL TABLE\b/.test(detail) && m[1] !== 'CONSTANT') found.add(m[1]);
    }
    return [...found];
  }
  walk(plan, (node) => {
    if (dialect === 'postgresql') {
      if (node['Node Type'] === 'Seq Scan' && typeof node['Relation Name'] === 'string')
        found.add(node['Relation Name']);
    } else if (node.access_type === 'ALL' && typeof node.table_name === 'string') {
      found.add(node.table_name);
    }
  });
  return [...found];
}

function walk(value: unknown, visit: (node: Record<string, unknown>) => void, depth = 0): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit, depth + 1);
    return;
  }
  const node = value as Record<string, unknown>;
  visit(node);
  for (const v of Object.values(node)) walk(v, visit, depth + 1);
}
