import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth, LayerStartContext, ResourceLayer } from '../kernel/layer.js';
import { explainFsError, fsError } from './fs-error.js';
import { makeDirs } from './make-dirs.js';
import { createStatorFs, type StatorFs } from './filesystem-api.js';
import { tracedFs } from './traced-fs.js';

/** The filesystem area as a resource the supervisor runs, plus `stator.fs`. */
export interface FilesystemLayer extends ResourceLayer {
  /** `stator.fs`: usable at once; paths are checked whether or not the layer has started. */
  readonly api: StatorFs;
}

/**
 * Creates the filesystem layer of `ctx.config.filesystem`:
 * - `start` creates `base_path` (and missing parents) and every `required_dirs` entry under it,
 *   each with exactly `permissions` (chmod after mkdir, so the umask does not narrow it);
 *   existing directories are left as they are.
 * - `check` stats `base_path` (a directory, writable and searchable by this process) and reports
 *   `degraded` when a required directory has disappeared (the next start creates it again).
 * - `stop` has nothing to close.
 *
 * @example
 * ```ts
 * const layer = createFilesystemLayer(ctx);
 * await layer.start({ signal, attempt: 1, dependencies: new Map() });
 * await layer.api.writeFile('uploads/a.txt', 'hello');
 * ```
 */
export function createFilesystemLayer(ctx: RuntimeContext): FilesystemLayer {
  const settings = ctx.config.filesystem;
  const basePath = resolve(settings.base_path);
  const mode = settings.permissions;
  const api = tracedFs(createStatorFs({ basePath, directoryMode: mode }));

  const requiredPaths = (): [string, string][] => settings.required_dirs.map((dir) => [dir, api.resolve(dir)]);

  return {
    name: 'filesystem',
    api,

    async start({ signal }: LayerStartContext): Promise<void> {
      const created: string[] = [];
      try {
        created.push(...(await makeDirs(basePath, mode, signal)));
        for (const [dir, path] of requiredPaths()) {
          try {
            created.push(...(await makeDirs(path, mode, signal)));
          } catch (error) {
            throw explainFsError(error, 'create required directory', dir, path);
          }
        }
      } catch (error) {
        throw explainFsError(error, 'create base_path', '.', basePath);
      }
      if (created.length) {
        ctx.logger.debug('filesystem: created directories', { created, mode: mode.toString(8).padStart(4, '0') });
        ctx.events.emit('filesystem', 'filesystem.created', { directories: created });
      }
    },

    async check(signal: AbortSignal): Promise<LayerHealth> {
      signal.throwIfAborted();
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
      const missing: string[] = [];
      for (const [dir, path] of requiredPaths()) {
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
            reason: `required directories missing under ${basePath}: ${missing.join(', ')} (created again on restart)`,
          }
        : { status: 'up' };
    },

    async stop(): Promise<void> {
      // Nothing is held open between calls.
    },

    details: () => ({
      base_path: basePath,
      permissions: mode.toString(8).padStart(4, '0'),
      required_dirs: [...settings.required_dirs],
    }),
  };
}
