import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const MAX_LINKS = 40;

/**
 * The real location `path` refers to, following every symbolic link, also when the path does not
 * exist yet: the deepest existing ancestor is resolved with `realpath` and the missing rest is
 * appended. A dangling symbolic link is followed to where it points, because writing through it
 * would create its target.
 *
 * @throws the `ELOOP` error of a symbolic link loop, and errors other than a missing path.
 */
export function realPathOf(path: string, hops = 0): string {
  if (hops > MAX_LINKS) throw Object.assign(new Error(`too many symbolic links at ${path}`), { code: 'ELOOP' });
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
  const parent = dirname(path);
  if (parent === path) return path;
  const realParent = realPathOf(parent, hops);
  const here = join(realParent, basename(path));
  let isLink = false;
  try {
    isLink = lstatSync(here).isSymbolicLink();
  } catch {
    // missing: nothing to follow
  }
  return isLink ? realPathOf(resolve(realParent, readlinkSync(here)), hops + 1) : here;
}
