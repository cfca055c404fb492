import { inSpan, tracingOn } from '../telemetry/tracing.js';
import type { StatorFs } from './filesystem-api.js';

/**
 * `fs` with an OpenTelemetry span around each call when the application registered a tracer
 * provider (see `docs/opentelemetry.md`): `fs.readFile`, `fs.writeFile`, ... with `file.path`
 * relative to `filesystem.base_path` (never the content). Without a provider, one check per call.
 */
export function tracedFs(fs: StatorFs): StatorFs {
  const span = <T>(operation: string, relative: string | undefined, fn: () => Promise<T>): Promise<T> =>
    tracingOn()
      ? inSpan(
          `fs.${operation}`,
          { attributes: { 'stator.fs.operation': operation, 'file.path': relative ?? '.' } },
          fn,
        )
      : fn();
  function readFile(relative: string): Promise<Buffer>;
  function readFile(relative: string, encoding: BufferEncoding): Promise<string>;
  function readFile(relative: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    return span<Buffer | string>('readFile', relative, () =>
      encoding ? fs.readFile(relative, encoding) : fs.readFile(relative),
    );
  }
  return {
    basePath: fs.basePath,
    resolve: (relative) => fs.resolve(relative),
    readFile,
    writeFile: (relative, data, options) => span('writeFile', relative, () => fs.writeFile(relative, data, options)),
    list: (relative) => span('list', relative, () => fs.list(relative)),
    stat: (relative) => span('stat', relative, () => fs.stat(relative)),
    exists: (relative) => span('exists', relative, () => fs.exists(relative)),
    remove: (relative, options) => span('remove', relative, () => fs.remove(relative, options)),
    mkdir: (relative, options) => span('mkdir', relative, () => fs.mkdir(relative, options)),
  };
}
