import { resolve } from 'node:path';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth, LayerStartContext, ResourceLayer } from '../kernel/layer.js';
import type { Pipeline, PipelineOptions } from '../resilience/pipeline/pipeline.js';
import { checkArea, checkBasePath, prepareArea, type FilesystemArea } from './area-check.js';
import { createStatorFs, type StatorFs } from './filesystem-api.js';
import { gatedFs } from './gated-fs.js';
import { tracedFs } from './traced-fs.js';

/** The filesystem area as a resource the supervisor runs, plus `stator.fs`. */
export interface FilesystemLayer extends ResourceLayer {
  /** `stator.fs`: usable at once; paths are checked whether or not the layer has started. */
  readonly api: StatorFs;
}

/** What the filesystem layer uses beyond the context. */
export interface FilesystemLayerDeps {
  /**
   * The recovery pipeline factory (`createResilience(ctx)`): every operation of `stator.fs` goes
   * through `pipeline('filesystem')` (breaker, `filesystem.timeout`, retry of `EAGAIN` / `EBUSY`
   * / `EMFILE`); start and health checks do not. Without it the operations run as they are.
   */
  readonly resilience?: { pipeline(resource: string, options?: PipelineOptions): Pipeline };
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
 * const layer = createFilesystemLayer(ctx, { resilience });
 * await layer.start({ signal, attempt: 1, dependencies: new Map() });
 * await layer.api.writeFile('uploads/a.txt', 'hello');
 * ```
 */
export function createFilesystemLayer(ctx: RuntimeContext, deps: FilesystemLayerDeps = {}): FilesystemLayer {
  const settings = ctx.config.filesystem;
  const basePath = resolve(settings.base_path);
  const mode = settings.permissions;
  const plain = createStatorFs({ basePath, directoryMode: mode });
  const area: FilesystemArea = {
    basePath,
    mode,
    requiredPaths: () => settings.required_dirs.map((dir) => [dir, plain.resolve(dir)]),
  };
  // The half-open probe: a stat of base_path, as the health check does.
  const pipeline = deps.resilience?.pipeline('filesystem', { probe: () => checkBasePath(basePath) });
  const timeout = settings.timeout ?? ctx.config.supervisor.resource_defaults.timeout;
  const api = tracedFs(gatedFs(plain, () => pipeline, timeout * 1000));

  return {
    name: 'filesystem',
    api,
    async start({ signal }: LayerStartContext): Promise<void> {
      const created = await prepareArea(area, signal);
      if (created.length) {
        ctx.logger.debug('filesystem: created directories', { created, mode: mode.toString(8).padStart(4, '0') });
        ctx.events.emit('filesystem', 'filesystem.created', { directories: created });
      }
    },
    check: (signal: AbortSignal): Promise<LayerHealth> => checkArea(area, signal),
    async stop(): Promise<void> {
      // Nothing is held open between calls.
    },
    details: () => ({
      base_path: basePath,
      permissions: mode.toString(8).padStart(4, '0'),
      required_dirs: [...settings.required_dirs],
      timeout,
    }),
  };
}
