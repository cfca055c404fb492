/**
 * Glob semantics of the scope part of a permission (`fs:write:uploads/**`), matched against the
 * whole scope of a request, case-sensitively, with the resource's separators `seps` (`:` for
 * cache keys, `/` for paths, `.` for tables, see `SCOPE_SEPARATORS` in `config/sections/policy-syntax.ts`):
 *
 * - `*` alone matches every scope of the resource (`cache:read:*`: every key, `fs:read:*`: every path).
 * - otherwise `*` matches any run of characters except a separator, and `?` one such character:
 *   `cache:read:user:*` matches `user:1` but not `user:1:profile`; `user:alice*` matches
 *   `user:alicebob` but never `user:alicebob:cart`;
 * - `**` matches any run of characters including separators; as a whole segment it matches zero
 *   or more segments: `uploads/**` matches `uploads`, `uploads/a` and `uploads/a/b`; `**\/x`
 *   matches `x` and `a/b/x`; `a/**\/b` matches `a/b` and `a/x/y/b`; `user:**` matches `user`,
 *   `user:1` and `user:1:profile`;
 * - every other character is literal; `\*` is a literal star.
 */
export function compileScopeGlob(pattern: string, seps = '/'): RegExp {
  if (pattern === '*' || pattern === '**') return /^[\s\S]*$/;
  const sepClass = `[^${escapeClass(seps)}]`;
  const isSep = (c: string | undefined): boolean => c !== undefined && seps.includes(c);
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === '*' && pattern[i + 1] === '*') {
      const atSegmentStart = i === 0 || isSep(pattern[i - 1]);
      const next = pattern[i + 2];
      if (atSegmentStart && isSep(next)) {
        out += `(?:[\\s\\S]*${escapeRegExp(next as string)})?`; // `**/` : zero or more whole segments
        i += 3;
      } else if (atSegmentStart && next === undefined && i > 0) {
        const sep = escapeRegExp(pattern[i - 1] as string);
        out = out.slice(0, -sep.length) + `(?:${sep}[\\s\\S]*)?`; // `/**` at the end: the segment itself and below
        i += 2;
      } else {
        out += '[\\s\\S]*';
        i += 2;
      }
    } else if (ch === '*') {
      out += `${sepClass}*`;
      i += 1;
    } else if (ch === '?') {
      out += sepClass;
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
const escapeClass = (s: string): string => s.replace(/[\]\\^-]/g, '\\$&');

/** True when the pattern matches every scope (`*` or `**`). */
export const isUniversalScope = (pattern: string): boolean => pattern === '*' || pattern === '**';

/** Escapes glob characters, so that a substituted value (a principal id) matches only itself. */
export const escapeGlob = (value: string): string => value.replace(/[*?\\]/g, (c) => `\\${c}`);
