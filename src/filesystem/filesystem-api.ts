import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic, type WriteData } from './atomic-write.js';
import { explainFsError } from './fs-error.js';
import { listDirectory, pathExists, refuseMode, removePath } from './fs-operations.js';
import { makeDirs } from './make-dirs.js';
import { PathSandbox, type SandboxedPath } from './sandbox.js';

/** Options of {@link StatorFs.writeFile}. */
export interface WriteFileOptions {
  /** Mode of the file (exact: not narrowed by the umask). Default: the replaced file's mode, or 0o666 less the umask. */
  readonly mode?: number;
  /** Encoding of string data. Default utf8. */
  readonly encoding?: BufferEncoding;
  /** Aborting stops the write and leaves the file as it was. */
  readonly signal?: AbortSignal;
}

/**
 * `stator.fs`: file access confined to `filesystem.base_path`. Every method takes a path relative
 * to the base (an absolute path inside the base is accepted too) and refuses, with
 * `PathOutsideBaseError` (`PATH_OUTSIDE_BASE`), any path that would lead outside, including
 * through symbolic links. Errors from the OS keep their `code` (`ENOENT`, `EACCES`, ...) and say
 * what to do.
 *
 * @example
 * ```ts
 * await stator.fs.writeFile('uploads/report.json', JSON.stringify(report)); // atomic
 * const text = await stator.fs.readFile('uploads/report.json', 'utf8');
 * stator.fs.resolve('../etc/passwd'); // throws PathOutsideBaseError
 * ```
 */
export interface StatorFs {
  /** Absolute base path; nothing resolves outside it. */
  readonly basePath: string;
  /**
   * The absolute path of `relative` under the base. Reads the disk (the real path of the deepest
   * existing ancestor) to catch symbolic links that lead out.
   *
   * @throws {PathOutsideBaseError} for `..` escapes, absolute paths outside, percent-encoded or
   * backslash forms of those, NUL bytes, and symbolic links pointing outside.
   */
  resolve(relative: string): string;
  /** Reads a whole file: bytes, or text in `encoding`. */
  readFile(relative: string): Promise<Buffer>;
  readFile(relative: string, encoding: BufferEncoding): Promise<string>;
  /**
   * Replaces a file atomically (temporary file in the same directory, fsync, rename): readers and
   * crashes see the old or the new content, never a mix. The directory must exist.
   */
  writeFile(relative: string, data: WriteData, options?: WriteFileOptions): Promise<void>;
  /** Names in a directory (default: the base), sorted. */
  list(relative?: string): Promise<string[]>;
  /** `fs.stat` of a path (symbolic links followed). */
  stat(relative: string): Promise<Stats>;
  /** True when the path exists (and is inside the base). */
  exists(relative: string): Promise<boolean>;
  /** Removes a file, or a directory (with `recursive: true` when it is not empty). The base itself cannot be removed. */
  remove(relative: string, options?: { readonly recursive?: boolean }): Promise<void>;
  /** Creates a directory and missing parents, with `mode` (default `filesystem.permissions`) set exactly. */
  mkdir(relative: string, options?: { readonly mode?: number }): Promise<void>;
}

/** Options of {@link createStatorFs}. */
export interface StatorFsOptions {
  /** Absolute base path. */
  readonly basePath: string;
  /** Mode of directories created by `mkdir` (default 0o755). */
  readonly directoryMode?: number;
}

/** Creates the sandboxed file API over `basePath`. */
export function createStatorFs(options: StatorFsOptions): StatorFs {
  const basePath = resolve(options.basePath);
  const sandbox = new PathSandbox(basePath);
  const directoryMode = options.directoryMode ?? 0o755;

  /** Runs an fs call on the real path of `relative`, explaining OS errors. */
  const run = async <T>(operation: string, relative: string, fn: (target: SandboxedPath) => Promise<T>): Promise<T> => {
    const target = sandbox.locate(relative);
    try {
      return await fn(target);
    } catch (error) {
      throw explainFsError(error, operation, relative, target.path);
    }
  };

  function read(relative: string): Promise<Buffer>;
  function read(relative: string, encoding: BufferEncoding): Promise<string>;
  function read(relative: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    return run<Buffer | string>('readFile', relative, (t) =>
      encoding ? readFile(t.real, encoding) : readFile(t.real),
    );
  }

  return {
    basePath,
    resolve: (relative) => sandbox.resolve(relative),
    readFile: read,
    writeFile: (relative, data, writeOptions = {}) =>
      run('writeFile', relative, (t) => {
        refuseMode('writeFile', relative, t.path, writeOptions.mode, 'file');
        return writeFileAtomic(t.real, data, writeOptions);
      }),
    list: (relative = '.') => run('list', relative, listDirectory),
    stat: (relative) => run('stat', relative, (t) => stat(t.real)),
    exists: (relative) => run('exists', relative, pathExists),
    remove: (relative, removeOptions = {}) =>
      run('remove', relative, (t) => removePath(basePath, relative, t, removeOptions.recursive)),
    mkdir: (relative, mkdirOptions = {}) =>
      run('mkdir', relative, async (t) => {
        refuseMode('mkdir', relative, t.path, mkdirOptions.mode, 'directory');
        await makeDirs(t.real, mkdirOptions.mode ?? directoryMode);
      }),
  };
}
