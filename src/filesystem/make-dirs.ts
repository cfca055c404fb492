import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates `dir` and any missing parents, each with exactly `mode` (set with chmod after mkdir,
 * so the process umask does not narrow it). Directories that already exist are left as they are.
 *
 * @returns the directories created, outermost first.
 */
export async function makeDirs(dir: string, mode: number, signal?: AbortSignal): Promise<string[]> {
  const missing: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    if (await isDirectory(current)) break;
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  const created: string[] = [];
  for (const path of missing) {
    signal?.throwIfAborted();
    try {
      await mkdir(path, { mode });
    } catch (error) {
      // Another process (or a concurrent call) created it in between: fine, it exists.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await isDirectory(path))) continue;
      throw error;
    }
    await chmod(path, mode);
    created.push(path);
  }
  return created;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    throw error;
  }
}
