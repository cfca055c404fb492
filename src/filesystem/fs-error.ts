/** A `node:fs` error as `stator.fs` rethrows it: same `code`, `errno` and `syscall`, a message that says what to do. */
export interface FsError extends Error {
  /** The original code: `ENOENT`, `EACCES`, `ENOSPC`, ... */
  readonly code: string;
  readonly errno?: number;
  readonly syscall?: string;
  /** The path as the caller gave it (relative to base_path). */
  readonly path: string;
  /** The absolute path the operation touched. */
  readonly absolutePath: string;
}

function advice(code: string, absolute: string): string {
  switch (code) {
    case 'ENOENT':
      return `no such file or directory (${absolute}); check the path, list() shows what exists, mkdir() creates a directory`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied; check permissions of ${absolute} and of its parent directories for the user running the service (uid ${process.getuid?.() ?? '?'})`;
    case 'EEXIST':
      return `${absolute} already exists; if it is a file where a directory belongs, move it away`;
    case 'ENOTDIR':
      return `a part of ${absolute} is a file, not a directory; check the path`;
    case 'EISDIR':
      return `${absolute} is a directory; use list() to read a directory, or remove(path, { recursive: true }) to delete one`;
    case 'ENOTEMPTY':
      return `directory ${absolute} is not empty; pass { recursive: true } to remove it with its content`;
    case 'ENOSPC':
      return `no space left on the device holding ${absolute}; free disk space or move filesystem.base_path`;
    case 'EDQUOT':
      return `disk quota exceeded for ${absolute}; free space or raise the quota`;
    case 'EROFS':
      return `${absolute} is on a read-only filesystem; mount it read-write or move filesystem.base_path`;
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files; raise the limit (ulimit -n) or open fewer files at once';
    case 'ELOOP':
      return `too many symbolic links at ${absolute}; look for a link that points to itself`;
    case 'EBUSY':
      return `${absolute} is busy (in use or a mount point); retry later`;
    default:
      return `failed with ${code} at ${absolute}`;
  }
}

/**
 * Rewrites a `node:fs` error so that its message says what to do (`EACCES`: "check permissions
 * of ..."), keeping `code`, `errno` and `syscall` and the original as `cause`. Anything that is not
 * an fs error is returned as it is.
 */
export function explainFsError(error: unknown, operation: string, relative: string, absolute: string): unknown {
  const original = error as NodeJS.ErrnoException;
  if (
    !(error instanceof Error) ||
    'absolutePath' in error ||
    typeof original.code !== 'string' ||
    !/^E[A-Z]+$/.test(original.code)
  )
    return error;
  const explained = new Error(`${operation} ${JSON.stringify(relative)}: ${advice(original.code, absolute)}`, {
    cause: error,
  });
  return Object.assign(explained, {
    code: original.code,
    ...(original.errno !== undefined ? { errno: original.errno } : {}),
    ...(original.syscall !== undefined ? { syscall: original.syscall } : {}),
    path: relative,
    absolutePath: absolute,
  }) as FsError;
}

/** Builds an {@link FsError} for a refusal that did not come from the OS. */
export function fsError(code: string, operation: string, relative: string, absolute: string, message: string): FsError {
  return Object.assign(new Error(`${operation} ${JSON.stringify(relative)}: ${message}`), {
    code,
    path: relative,
    absolutePath: absolute,
  }) as FsError;
}
