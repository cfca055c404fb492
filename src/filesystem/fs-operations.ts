import { access, lstat, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { fsError } from './fs-error.js';
import { modeProblem } from './mode-cap.js';
import type { SandboxedPath } from './sandbox.js';

/**
 * Refuses, with an `EPERM` {@link FsError}, a mode no caller may ever set: setuid/setgid/sticky
 * and world-writable modes (see {@link modeProblem}). The guarded fs (`stator.as`) also caps by
 * `filesystem.permissions`.
 */
export function refuseMode(
  operation: string,
  relative: string,
  absolute: string,
  mode: number | undefined,
  kind: 'file' | 'directory',
): void {
  if (mode === undefined) return;
  const why = modeProblem(mode, 0o777, kind);
  if (why !== undefined)
    throw fsError('EPERM', operation, relative, absolute, `mode ${why}; choose a mode within filesystem.permissions`);
}

/** Names in the directory `target`, sorted. */
export async function listDirectory(target: SandboxedPath): Promise<string[]> {
  return (await readdir(target.real)).sort();
}

/** True when `target` exists; false for `ENOENT` / `ENOTDIR`; other errors reject. */
export function pathExists(target: SandboxedPath): Promise<boolean> {
  return access(target.real).then(
    () => true,
    (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' || error.code === 'ENOTDIR' ? false : Promise.reject(error),
  );
}

/**
 * Removes `target`: a symbolic link itself (not what it points to), a file, an empty directory,
 * or with `recursive` a directory and its content. The base path itself is refused.
 */
export async function removePath(
  basePath: string,
  relative: string,
  target: SandboxedPath,
  recursive: boolean | undefined,
): Promise<void> {
  if (target.path === basePath) {
    throw fsError(
      'EPERM',
      'remove',
      relative,
      target.path,
      'refusing to remove the base path itself; remove what is inside it',
    );
  }
  if ((await lstat(target.path)).isSymbolicLink()) return rm(target.path);
  const stats = await stat(target.real);
  if (stats.isDirectory() && !recursive) await rmdir(target.real);
  else await rm(target.real, { recursive: recursive ?? false });
}
