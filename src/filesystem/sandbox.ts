import { lstatSync } from 'node:fs';
import { isAbsolute, join, posix, relative as relativePath, resolve, sep } from 'node:path';
import { PathOutsideBaseError } from '../errors/path-outside-base-error.js';
import { realPathOf } from './real-path.js';

/** Where a sandboxed path leads: as written under the base, and for real (symbolic links followed). */
export interface SandboxedPath {
  /** `base_path` joined with the relative path, normalized. */
  readonly path: string;
  /** The same location with every symbolic link followed; I/O goes here. */
  readonly real: string;
}

/** True when `target` is `base` or lies under it. */
export function isInside(base: string, target: string): boolean {
  const rel = relativePath(base, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** True when a path, read with `/` separators, is absolute or climbs above its start. */
const climbsOut = (path: string): boolean => posix.isAbsolute(path) || posix.normalize(path).split('/')[0] === '..';

/** Percent-decodes until stable (catches `%252e%252e`), or returns undefined when `%` is not an escape. */
function percentDecoded(path: string): string | undefined {
  if (!path.includes('%')) return undefined;
  let current = path;
  for (let round = 0; round < 4; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return round === 0 ? undefined : current;
    }
    if (next === current) break;
    current = next;
  }
  return current === path ? undefined : current;
}

/**
 * Keeps every path inside one base directory. A path is refused with {@link PathOutsideBaseError}
 * when it
 * - contains a NUL byte (raw or `%00`);
 * - climbs out with `..`, or is absolute and outside;
 * - would climb out once percent-decoded (`%2e%2e%2f`, `%252e%252e%252f`) or with backslashes
 *   read as separators (`..\\..\\etc`), or is a Windows drive path (`C:\\`);
 * - reaches outside through a symbolic link: the link itself, any parent directory, or a dangling
 *   link whose target would be created outside.
 *
 * A `%` or a backslash that does not lead out is an ordinary character of a file name.
 */
export class PathSandbox {
  /** @param basePath absolute path of the base directory (it need not exist yet). */
  public constructor(public readonly basePath: string) {}

  /**
   * Checks `relative` and returns where it leads.
   *
   * @throws {PathOutsideBaseError} when it leads outside the base.
   */
  public locate(relative: string): SandboxedPath {
    if (typeof relative !== 'string') throw new TypeError(`expected a path string, got ${typeof relative}`);
    const refuse = (reason: string): PathOutsideBaseError =>
      new PathOutsideBaseError(relative.replace(/\0/g, '\\0'), this.basePath, reason);

    if (relative.includes('\0')) throw refuse('contains a NUL byte');
    const decoded = percentDecoded(relative);
    if (decoded !== undefined) {
      if (decoded.includes('\0')) throw refuse('contains a percent-encoded NUL byte');
      if (climbsOut(decoded) || climbsOut(decoded.replace(/\\/g, '/'))) {
        throw refuse(`percent-decodes to ${JSON.stringify(decoded)}, which leads outside`);
      }
    }
    if (/^[a-zA-Z]:[\\/]/.test(relative) || relative.startsWith('\\\\')) throw refuse('is a Windows absolute path');
    if (relative.includes('\\') && climbsOut(relative.replace(/\\/g, '/'))) {
      throw refuse('climbs out with backslash separators');
    }

    const path = resolve(this.basePath, relative);
    if (!isInside(this.basePath, path))
      throw refuse(isAbsolute(relative) ? 'is an absolute path outside it' : 'climbs out with ".."');

    let real: string;
    let realBase: string;
    try {
      realBase = realPathOf(this.basePath);
      real = realPathOf(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP')
        throw new PathOutsideBaseError(relative, this.basePath, 'runs into a symbolic link loop', { cause: error });
      throw error;
    }
    if (!isInside(realBase, real)) throw refuse(`${this.describeLink(path)} points to ${real}, outside`);
    return { path, real };
  }

  /** Checks `relative` and returns its absolute path. @throws {PathOutsideBaseError} */
  public resolve(relative: string): string {
    return this.locate(relative).path;
  }

  /** Names the first symbolic link on the way from the base to `path`, for the error message. */
  private describeLink(path: string): string {
    const parts = relativePath(this.basePath, path).split(sep).filter(Boolean);
    let current = this.basePath;
    for (const part of parts) {
      current = join(current, part);
      try {
        if (lstatSync(current).isSymbolicLink())
          return `symbolic link ${JSON.stringify(relativePath(this.basePath, current))}`;
      } catch {
        break;
      }
    }
    return 'the base path';
  }
}
