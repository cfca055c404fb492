import { StatorError } from './stator-error.js';

/**
 * A path given to `stator.fs` would reach outside `filesystem.base_path`: through `..`, an
 * absolute path, a percent-encoded or backslash form of those, a NUL byte, or a symbolic link
 * (itself or one of its parent directories) that points outside. Nothing was read or written.
 *
 * @example
 * ```ts
 * try { stator.fs.resolve('../../etc/passwd'); }
 * catch (e) { if (isPathOutsideBaseError(e)) console.log(e.reason); } // 'climbs out with ".."'
 * ```
 */
export class PathOutsideBaseError extends StatorError {
  public readonly code = 'PATH_OUTSIDE_BASE';
  public readonly isPathOutsideBaseError = true;

  public constructor(
    /** The path as the caller gave it (NUL bytes shown as `\0`). */
    public readonly requested: string,
    /** The absolute base path it had to stay inside. */
    public readonly basePath: string,
    /** Why it was refused, e.g. `climbs out with ".."`, `symlink logs points to /etc`. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Path ${JSON.stringify(requested)} is outside the filesystem base path ${basePath} (${reason}). ` +
        'Pass a path relative to filesystem.base_path that stays inside it.',
      options,
    );
  }
}

/** True for a {@link PathOutsideBaseError}, across package copies. */
export const isPathOutsideBaseError = (e: unknown): e is PathOutsideBaseError =>
  !!e && e instanceof Error && 'isPathOutsideBaseError' in e;
