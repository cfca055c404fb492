/**
 * The shape of a statement: its SQL with every literal and placeholder replaced by `?`, lists of
 * them folded to one, whitespace collapsed. Two queries that differ only in their values have the
 * same shape, so slow-query reports are rate-limited per shape, and a shape can be logged without
 * leaking the values (passwords, personal data) a statement carried.
 *
 * @example
 * ```ts
 * queryShape("select * from users where email = 'a@b.c' and id in (1, 2, 3)");
 * // 'select * from users where email = ? and id in (?)'
 * ```
 */
export function queryShape(sql: string): string {
  const shape = sql
    .replace(/\b[xb]'[0-9a-f]*'/gi, '?') // hex and bit literals
    .replace(/'(?:[^']|'')*'/g, '?') // string literals
    .replace(/\$\d+|(?<!:):[a-z_]\w*/gi, '?') // positional / named placeholders
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?') // numbers
    .replace(/\?(?:\s*,\s*\?)+/g, '?') // lists of values
    .replace(/\(\s*\?\s*\)(?:\s*,\s*\(\s*\?\s*\))+/g, '(?)') // multi-row VALUES
    .replace(/\s+/g, ' ')
    .trim();
  return shape.length > 1000 ? `${shape.slice(0, 1000)}…` : shape;
}
