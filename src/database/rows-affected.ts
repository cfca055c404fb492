/**
 * Rows a statement returned or changed, read from the raw driver response knex keeps in
 * `obj.response`: pg's `Result.rowCount`, mysql2's `[rows | ResultSetHeader, fields]`,
 * better-sqlite3's rows array or `RunResult.changes`. `undefined` when the driver does not say.
 */
export function rowsAffected(response: unknown): number | undefined {
  if (Array.isArray(response)) {
    const first: unknown = response[0];
    // mysql2: [rows, fields] — or better-sqlite3: rows.
    if (
      response.length === 2 &&
      (Array.isArray(first) || isHeader(first)) &&
      (Array.isArray(response[1]) || response[1] === undefined)
    ) {
      return Array.isArray(first) ? first.length : (first as { affectedRows: number }).affectedRows;
    }
    return response.length;
  }
  if (response && typeof response === 'object') {
    const r = response as { rowCount?: unknown; changes?: unknown; affectedRows?: unknown };
    if (typeof r.rowCount === 'number') return r.rowCount;
    if (typeof r.changes === 'number') return r.changes;
    if (typeof r.affectedRows === 'number') return r.affectedRows;
  }
  return undefined;
}

const isHeader = (v: unknown): boolean =>
  !!v && typeof v === 'object' && typeof (v as { affectedRows?: unknown }).affectedRows === 'number';
