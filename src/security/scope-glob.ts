/**
 * Glob semantics of the scope part of a permission (`fs:write:uploads/**`), matched against the
 * whole scope of a request, case-sensitively:
 *
 * - `*` alone matches every scope of the resource (`cache:read:*`: every key, `fs:read:*`: every path).
 * - otherwise `*` matches any run of characters except `/`, and `?` one character except `/`;
 * - `**` matches any run of characters including `/`; as a whole path segment it matches zero or
 *   more segments: `uploads/**` matches `uploads`, `uploads/a` and `uploads/a/b`; `**\/x` matches
 *   `x` and `a/b/x`; `a/**\/b` matches `a/b` and `a/x/y/b`;
 * - every other character is literal (`.` and `:` included).
 *
 * Cache keys and table names seldom contain `/`, so for them `*` and `**` behave alike:
 * `cache:read:user:*` matches `user:1` and `user:1:profile`.
 */
export function compileScopeGlob(pattern: string): RegExp {
  if (pattern === '*' || pattern === '**') return /^[\s\S]*$/;
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === '*' && pattern[i + 1] === '*') {
      const atSegmentStart = i === 0 || pattern[i - 1] === '/';
      const next = pattern[i + 2];
      if (atSegmentStart && next === '/') {
        out += '(?:[\\s\\S]*/)?'; // `**/` : zero or more whole segments
        i += 3;
      } else if (atSegmentStart && next === undefined && i > 0) {
        out = out.slice(0, -1) + '(?:/[\\s\\S]*)?'; // `/**` at the end: the directory itself and below
        i += 2;
      } else {
        out += '[\\s\\S]*';
        i += 2;
      }
    } else if (ch === '*') {
      out += '[^/]*';
      i += 1;
    } else if (ch === '?') {
      out += '[^/]';
      i += 1;
    } else if (ch === '\\' && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[i + 1] as string); // `\*` is a literal star (see escapeGlob)
      i += 2;
    } else {
      out += escapeRegExp(ch);
      i += 1;
    }
  }
  return new RegExp(`^${out}$`);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True when the pattern matches every scope (`*` or `**`). */
export const isUniversalScope = (pattern: string): boolean => pattern === '*' || pattern === '**';

/** Escapes glob characters, so that a substituted value (a principal id) matches only itself. */
export const escapeGlob = (value: string): string => value.replace(/[*?\\]/g, (c) => `\\${c}`);
