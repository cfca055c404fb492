import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { BasePathLockedError } from '../../errors/base-path-locked-error.js';

/** The lock file `stator start` holds in `filesystem.base_path`. */
export const LOCK_FILE = '.stator.lock';

/** A held lock; `release()` removes it (idempotent). */
export interface BasePathLock {
  readonly file: string;
  release(): void;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the exclusive lock on `basePath` for this process: creates `.stator.lock` with `O_EXCL`
 * holding the PID. A lock left by a process that is gone (killed, crashed) is taken over.
 *
 * @throws BasePathLockedError when a live process holds it.
 */
export function lockBasePath(basePath: string): BasePathLock {
  mkdirSync(basePath, { recursive: true });
  const file = path.join(basePath, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      return {
        file,
        release: () => {
          if (!held) return;
          held = false;
          try {
            if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
          } catch {
            // Already gone.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
      throw new BasePathLockedError(basePath, holder);
    // Stale: its process is gone. Remove it and try again.
    try {
      unlinkSync(file);
    } catch {
      // Someone else removed it first.
    }
  }
  throw new Error(`cannot take the lock ${file}; remove it if no Stator runs on ${basePath}`);
}
