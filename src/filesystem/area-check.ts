import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { LayerHealth } from '../kernel/layer.js';
import { explainFsError, fsError } from './fs-error.js';
import { makeDirs } from './make-dirs.js';

/** The filesystem area: `base_path` and the required directories under it, as `[relative, absolute]`. */
export interface FilesystemArea {
  readonly basePath: string;
  /** Mode of the directories created. */
  readonly mode: number;
  requiredPaths(): [string, string][];
}

/**
 * Creates `base_path` (and missing parents) and every required directory under it, each with
 * exactly `mode`; existing directories are left as they are. Returns the directories created.
 */
export async function prepareArea(area: FilesystemArea, signal: AbortSignal): Promise<string[]> {
  const created: string[] = [];
  try {
    created.push(...(await makeDirs(area.basePath, area.mode, signal)));
    for (const [dir, path] of area.requiredPaths()) {
      try {
        created.push(...(await makeDirs(path, area.mode, signal)));
      } catch (error) {
        throw explainFsError(error, 'create required directory', dir, path);
      }
    }
  } catch (error) {
    throw explainFsError(error, 'create base_path', '.', area.basePath);
  }
  return created;
}

/** Rejects unless `basePath` is a directory this process may write and search. */
export async function checkBasePath(basePath: string): Promise<void> {
  try {
    const stats = await stat(basePath);
    if (!stats.isDirectory()) {
      throw fsError(
        'ENOTDIR',
        'check',
        '.',
        basePath,
        `${basePath} is not a directory; point filesystem.base_path at a directory`,
      );
    }
    await access(basePath, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw explainFsError(error, 'check base_path', '.', basePath);
  }
}

/**
 * The health of the area: rejects when `base_path` is unusable ({@link checkBasePath}),
 * `degraded` when a required directory has disappeared (the next start creates it again).
 */
export async function checkArea(area: FilesystemArea, signal: AbortSignal): Promise<LayerHealth> {
  signal.throwIfAborted();
  await checkBasePath(area.basePath);
  const missing: string[] = [];
  for (const [dir, path] of area.requiredPaths()) {
    signal.throwIfAborted();
    const isDir = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) missing.push(dir);
  }
  return missing.length
    ? {
        status: 'degraded',
        reason: `required directories missing under ${area.basePath}: ${missing.join(', ')} (created again on restart)`,
      }
    : { status: 'up' };
}
