import { relative, sep } from 'node:path';
import type { StatorFs } from '../filesystem/filesystem-api.js';
import { isPathOutsideBaseError } from '../errors/path-outside-base-error.js';
import { PathSandbox } from '../filesystem/sandbox.js';
import type { AccessCheck } from './access-check.js';

/** The scope of a path: relative to the base, `/`-separated, `.` for the base itself. */
function scopeOf(base: string, absolute: string): string {
  const rel = relative(base, absolute);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * `stator.as(...).fs`: the same API as `stator.fs`, each call checked first. The path is first
 * normalized by the sandbox (an escape still throws `PathOutsideBaseError`, and is audited as a
 * denial), then
 * checked as written (`uploads/../private/a` is `private/a`) **and**, when a symbolic link inside
 * the base leads elsewhere, as the real location too: a link cannot lend one principal's path
 * to another.
 *
 * | call | needs |
 * |---|---|
 * | `readFile`, `list`, `stat`, `exists` | `fs:read:<path>` |
 * | `writeFile`, `remove`, `mkdir` | `fs:write:<path>` |
 * | `resolve` | nothing: it computes a path (sandboxed as ever) and touches no file content |
 *
 * `list()` without a path lists the base: `fs:read:.`, granted by `fs:read:*`.
 */
export function guardFs(fs: () => StatorFs, check: AccessCheck): StatorFs {
  const needs = async (action: 'read' | 'write', path: string): Promise<void> => {
    const target = fs();
    const sandbox = new PathSandbox(target.basePath);
    let where;
    try {
      where = sandbox.locate(path);
    } catch (error) {
      if (!isPathOutsideBaseError(error)) throw error;
      return check.refused({ resource: 'fs', action, scope: path.replace(/\0/g, '\\0') }, `path outside base_path: ${error.reason}`, error);
    }
    const realBase = sandbox.locate('.').real;
    const scopes = new Set([scopeOf(target.basePath, where.path), scopeOf(realBase, where.real)]);
    await check([...scopes].map((scope) => ({ resource: 'fs', action, scope })));
  };
  function readFile(path: string): Promise<Buffer>;
  function readFile(path: string, encoding: BufferEncoding): Promise<string>;
  async function readFile(path: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    await needs('read', path);
    return encoding ? fs().readFile(path, encoding) : fs().readFile(path);
  }
  return {
    get basePath() {
      return fs().basePath;
    },
    // A path computation, not an access: nothing is read or written, so nothing to check.
    resolve: (path) => fs().resolve(path),
    readFile,
    writeFile: async (path, data, options) => {
      await needs('write', path);
      return fs().writeFile(path, data, options);
    },
    list: async (path = '.') => {
      await needs('read', path);
      return fs().list(path);
    },
    stat: async (path) => {
      await needs('read', path);
      return fs().stat(path);
    },
    exists: async (path) => {
      await needs('read', path);
      return fs().exists(path);
    },
    remove: async (path, options) => {
      await needs('write', path);
      return fs().remove(path, options);
    },
    mkdir: async (path, options) => {
      await needs('write', path);
      return fs().mkdir(path, options);
    },
  };
}
