import { constants, type Stats } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import type { StatorFs } from '../filesystem/filesystem-api.js';
import { AccessDeniedError } from '../errors/access-denied-error.js';
import { isPathOutsideBaseError } from '../errors/path-outside-base-error.js';
import { writeFileAtomic } from '../filesystem/atomic-write.js';
import { explainFsError } from '../filesystem/fs-error.js';
import { makeDirs } from '../filesystem/make-dirs.js';
import { modeProblem } from '../filesystem/mode-cap.js';
import { realPathOf } from '../filesystem/real-path.js';
import { PathSandbox, type SandboxedPath } from '../filesystem/sandbox.js';
import { descriptorPath, openVerified } from '../filesystem/verified-open.js';
import type { AccessCheck } from './access-check.js';
import type { Principal } from './principal.js';

/** What the guarded filesystem needs to know besides the filesystem. */
export interface FsGuardSettings {
  /** `filesystem.permissions`: the cap on modes a caller may set. Default 0o755. */
  readonly permissions?: number;
  /**
   * Files Stator keeps for itself (the SQLite database and its `-wal`/`-shm`/`-journal`, the
   * audit log with its head anchor and rotated files, the event log), absolute. Refused through
   * the guarded `fs` with `ACCESS_DENIED` whatever the permissions say.
   */
  readonly protectedPaths?: () => readonly string[];
}

/** The longest path a guarded call accepts, in characters. */
export const MAX_GUARDED_PATH_LENGTH = 4096;

/** The scope of a path: relative to the base, `/`-separated, `.` for the base itself. */
function scopeOf(base: string, absolute: string): string {
  const rel = relative(base, absolute);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

const isUnder = (path: string, dir: string): boolean => path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * `stator.as(...).fs`: the same API as `stator.fs`, each call checked first. The path is first
 * normalized by the sandbox (an escape still throws `PathOutsideBaseError`, and is audited as a
 * denial), then checked as written (`uploads/../private/a` is `private/a`) **and**, when a
 * symbolic link inside the base leads elsewhere, as the real location too: a link cannot lend one
 * principal's path to another.
 *
 * | call | needs |
 * |---|---|
 * | `readFile`, `list`, `stat`, `exists` | `fs:read:<path>` |
 * | `writeFile`, `remove`, `mkdir` | `fs:write:<path>` |
 * | `resolve` | nothing: it computes a path (sandboxed as ever) and touches no file content |
 *
 * Beyond permissions:
 * - Stator's own files (database, audit log, event log; {@link FsGuardSettings.protectedPaths})
 *   are refused, and so is removing a directory that holds one;
 * - `writeFile` and `mkdir` modes are capped by `filesystem.permissions`; setuid, setgid, sticky
 *   and world-writable modes are refused;
 * - the I/O runs on the real path that was checked, opened without following a symbolic link
 *   swapped in after the check: reads open with `O_NOFOLLOW` and verify the descriptor's real
 *   path, writes verify their temporary file's directory, `list` reads the verified descriptor.
 *   What remains: `mkdir` and `remove` work on paths, so a swap in the instant between their
 *   re-check and the system call can still redirect them inside the limits of the process's own
 *   rights; see docs/security.md.
 *
 * `list()` without a path lists the base: `fs:read:.`, granted by `fs:read:*`.
 */
export function guardFs(fs: () => StatorFs, check: AccessCheck, settings: FsGuardSettings = {}): StatorFs {
  const permissions = settings.permissions ?? 0o755;
  const { needs, deny, mode } = fsChecks(fs, check, settings);

  function readFile(path: string): Promise<Buffer>;
  function readFile(path: string, encoding: BufferEncoding): Promise<string>;
  async function readFile(path: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    const where = await needs('read', path);
    return io('readFile', path, where, () => readVerified(where.real, encoding));
  }
  return {
    get basePath() {
      return fs().basePath;
    },
    // A path computation, not an access: nothing is read or written, so nothing to check.
    resolve: (path) => fs().resolve(path),
    readFile,
    writeFile: async (path, data, options = {}) => {
      await mode(path, options.mode, 'file');
      const where = await needs('write', path);
      return io('writeFile', path, where, () =>
        writeFileAtomic(where.real, data, { ...options, expectedDirectory: dirname(where.real) }),
      );
    },
    list: async (path = '.') => {
      const where = await needs('read', path);
      return io('list', path, where, () => listVerified(where.real));
    },
    stat: async (path) => {
      const where = await needs('read', path);
      return io('stat', path, where, () => statVerified(where.real));
    },
    exists: async (path) => {
      const where = await needs('read', path);
      return io('exists', path, where, () => existsVerified(where.real));
    },
    remove: async (path, options) => {
      const where = await needs('write', path, { holdsProtected: true });
      // Re-checked just before: the parent must still be where it was checked.
      const parent = await realpath(dirname(where.path)).catch(() => undefined);
      if (parent !== undefined && parent !== dirname(where.real))
        return deny('write', path, 'the path changed after it was checked (a symbolic link was swapped in)');
      return fs().remove(path, options);
    },
    mkdir: async (path, options = {}) => {
      await mode(path, options.mode, 'directory');
      const where = await needs('write', path);
      await io('mkdir', path, where, () => makeDirs(where.real, options.mode ?? permissions));
      const real = await realpath(where.real).catch(() => where.real);
      if (real !== where.real)
        return deny('write', path, 'the path changed while it was created (a symbolic link was swapped in)');
    },
  };
}

/** The checks a guarded call makes before its I/O. */
interface FsChecks {
  /**
   * Sandboxes `path` (an escape is refused and audited), refuses Stator's own files, and checks
   * `fs:<action>` on the path as written and on its real location: the checked location.
   */
  needs(action: FsAction, path: string, opts?: { holdsProtected?: boolean }): Promise<SandboxedPath>;
  /** Refuses the call with `ACCESS_DENIED`, audited as a denial. */
  deny(action: FsAction, scope: string, why: string): Promise<never>;
  /** Refuses a mode beyond `filesystem.permissions`, or a setuid, setgid, sticky or world-writable one. */
  mode(path: string, value: number | undefined, kind: 'file' | 'directory'): Promise<void>;
}

type FsAction = 'read' | 'write';

function fsChecks(fs: () => StatorFs, check: AccessCheck, settings: FsGuardSettings): FsChecks {
  const permissions = settings.permissions ?? 0o755;
  const deny = (action: FsAction, scope: string, why: string): Promise<never> =>
    check.refused(
      { resource: 'fs', action, scope },
      why,
      (p: Principal) => new AccessDeniedError(p.id, `fs:${action}:${scope}`, why),
    );
  const needs = async (
    action: FsAction,
    path: string,
    opts: { holdsProtected?: boolean } = {},
  ): Promise<SandboxedPath> => {
    if (typeof path !== 'string') return deny(action, `(${typeof path})`, 'a path must be a string');
    if (path.length > MAX_GUARDED_PATH_LENGTH)
      return deny(
        action,
        `${path.slice(0, 256)}…(${path.length} characters)`,
        `path longer than ${MAX_GUARDED_PATH_LENGTH} characters`,
      );
    const target = fs();
    const sandbox = new PathSandbox(target.basePath);
    let where: SandboxedPath;
    try {
      where = sandbox.locate(path);
    } catch (error) {
      if (!isPathOutsideBaseError(error)) throw error;
      return check.refused(
        { resource: 'fs', action, scope: path.replace(/\0/g, '\\0') },
        `path outside base_path: ${error.reason}`,
        error,
      );
    }
    const realBase = sandbox.locate('.').real;
    const scopes = [...new Set([scopeOf(target.basePath, where.path), scopeOf(realBase, where.real)])];
    if (touchesProtected(where.real, protectedReal(settings), opts.holdsProtected === true))
      return deny(
        action,
        scopes[0] as string,
        "one of Stator's own files (database, audit log, event log) is not reachable through fs",
      );
    await check(scopes.map((scope) => ({ resource: 'fs', action, scope })));
    return where;
  };
  const mode = async (path: string, value: number | undefined, kind: 'file' | 'directory'): Promise<void> => {
    if (value === undefined) return;
    const why = modeProblem(value, permissions, kind);
    if (why !== undefined) await deny('write', typeof path === 'string' ? path : '(path)', `mode ${why}`);
  };
  return { needs, deny, mode };
}

/** Stator's own files, at their real locations (as given when one cannot be resolved). */
function protectedReal(settings: FsGuardSettings): string[] {
  return (settings.protectedPaths?.() ?? []).map((p) => {
    try {
      return realPathOf(p);
    } catch {
      return p;
    }
  });
}

/**
 * True when `real` is one of Stator's own files or a companion of one (`-wal`, `.head`, a rotated
 * file), or, for a call that takes a whole directory (`holdsProtected`), a directory holding one.
 */
function touchesProtected(real: string, protectedPaths: readonly string[], holdsProtected: boolean): boolean {
  return protectedPaths.some(
    (p) => real === p || real.startsWith(`${p}-`) || real.startsWith(`${p}.`) || (holdsProtected && isUnder(p, real)),
  );
}

/** Runs I/O on the checked location, explaining OS errors as `stator.fs` does. */
async function io<T>(operation: string, path: string, where: SandboxedPath, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw explainFsError(error, operation, path, where.path);
  }
}

/** Reads the file at `real`, opened without following a symbolic link swapped in. */
async function readVerified(real: string, encoding: BufferEncoding | undefined): Promise<Buffer | string> {
  const handle = await openVerified(real);
  try {
    return encoding ? await handle.readFile(encoding) : await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Lists the directory at `real` through its verified descriptor, sorted. */
async function listVerified(real: string): Promise<string[]> {
  const handle = await openVerified(real, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const at = (await descriptorPath(handle)) === undefined ? real : `/proc/self/fd/${handle.fd}`;
    return (await readdir(at)).sort();
  } finally {
    await handle.close();
  }
}

/** Stats the file at `real` through its verified descriptor. */
async function statVerified(real: string): Promise<Stats> {
  const handle = await openVerified(real);
  try {
    return await handle.stat();
  } finally {
    await handle.close();
  }
}

/** True when `real` can be opened verified; false when it (or a parent) does not exist. */
async function existsVerified(real: string): Promise<boolean> {
  try {
    await (await openVerified(real)).close();
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}
