/** What naming a table canonically needs to know about the database. */
export interface SqlNaming {
  readonly dialect: 'postgresql' | 'mysql' | 'sqlite';
  /**
   * The schema (PostgreSQL, default `public`) or database (MySQL/MariaDB: `database.database`) an
   * unqualified name lives in. SQLite's is always `main`.
   */
  readonly defaultSchema?: string;
}

/** A name part Stator can write down unambiguously: no dot, no control character, not empty. */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const PLAIN = /^[^.\u0000-\u001f\u007f]+$/;

const variants = (name: string, fold: 'lower' | 'unknown'): string[] => {
  const lower = name.toLowerCase();
  if (fold === 'lower') return [lower];
  return lower === name ? [name] : [name, lower];
};

/**
 * The canonical name(s) of a table as permissions see it (`db:read:<name>`):
 *
 * - a table of the default schema/database is named without it: `orders`, whether written
 *   `orders`, `public.orders` (PostgreSQL), `test.orders` (MySQL, database `test`) or
 *   `main.orders` (SQLite); a table elsewhere is `schema.table` (`audit.events`);
 * - quotes are gone (the parser removes them);
 * - case is folded as the database folds it. SQLite ignores the case of names: always lower case.
 *   PostgreSQL folds unquoted names to lower case and keeps quoted ones, and MySQL depends on
 *   `lower_case_table_names`; the parser does not say whether a name was quoted, so a name with
 *   capitals yields both spellings (`Orders` and `orders`) and the caller must be allowed both.
 *
 * @returns the names, or a reason (a string) when the name cannot be written unambiguously.
 */
export function canonicalTableNames(schema: string | null, table: string, naming: SqlNaming): string[] | string {
  if (!PLAIN.test(table) || (schema !== null && !PLAIN.test(schema)))
    return `a table name Stator cannot canonicalise (${JSON.stringify(schema === null ? table : `${schema}.${table}`)})`;
  const fold = naming.dialect === 'sqlite' ? 'lower' : 'unknown';
  const defaultSchema =
    naming.dialect === 'sqlite'
      ? 'main'
      : (naming.defaultSchema ?? (naming.dialect === 'postgresql' ? 'public' : undefined));
  const tables = variants(table, fold);
  if (schema === null) return tables;
  const out = new Set<string>();
  for (const s of variants(schema, fold)) {
    for (const t of tables) out.add(s === defaultSchema ? t : `${s}.${t}`);
  }
  return [...out];
}
