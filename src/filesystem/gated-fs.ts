import { isOperationTimeoutError, OperationTimeoutError } from '../errors/operation-timeout-error.js';
import type { Pipeline, RunOptions } from '../resilience/pipeline/pipeline.js';
import type { StatorFs } from './filesystem-api.js';

/**
 * The `code`s of fs errors that may pass if the same operation runs again: a resource the
 * process or system is short of for a moment (`EMFILE`, `ENFILE`: too many open files), or a file
 * busy or temporarily unavailable (`EBUSY`, `EAGAIN`).
 */
export const TRANSIENT_FS_CODES: ReadonlySet<string> = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE']);

/**
 * True when an fs operation that failed with `error` may be run again: its `code` is one of
 * {@link TRANSIENT_FS_CODES}. Never for `ENOENT`, `EACCES`, `EEXIST`, `ENOSPC`, ... (retrying
 * does not change them) nor for a timeout (a hung mount stays hung, and each attempt would hold
 * one more of libuv's threads).
 */
export function isTransientFsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_FS_CODES.has(code);
}

/** Carries an error the retry loop must not retry past it (unwrapped before the caller sees it). */
class FinalError extends Error {
  public constructor(public readonly original: unknown) {
    super('not retried');
  }
}

/**
 * `fs` with the `filesystem` pipeline in front of every operation (`stator.fs`):
 * - each attempt is admitted and counted by the `filesystem` breaker, and refused at once with
 *   `CircuitOpenError` (`CIRCUIT_OPEN`) while it is open; the caller's mistakes (`ENOENT`,
 *   `EACCES`, `EEXIST`, ...) do not count, the filesystem's failures (`EIO`, `ENOSPC`, `EMFILE`,
 *   timeouts) do;
 * - each attempt is bounded by `timeoutMs` (`filesystem.timeout`; 0 = none): past it the call
 *   rejects with `OperationTimeoutError` (the OS call itself cannot be interrupted and ends in the
 *   background);
 * - an attempt that failed with a transient code ({@link isTransientFsError}) runs again per
 *   `error_handling.retry`; anything else rejects at once.
 *
 * `pipeline` is read at each call; without one the operations run as they are. `resolve` is
 * pure path arithmetic and is not gated.
 */
export function gatedFs(fs: StatorFs, pipeline: () => Pipeline | undefined, timeoutMs: number): StatorFs {
  const gate = <T>(operation: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const p = pipeline();
    if (!p) return fn();
    const options: RunOptions = { retry: false, timeoutMs, ...(signal ? { signal } : {}) };
    const attempt = (): Promise<T> =>
      p.run(operation, fn, options).catch((error: unknown) => {
        throw isTransientFsError(error) ? error : new FinalError(error);
      });
    return p.retry(operation, attempt).catch((error: unknown) => {
      const original = error instanceof FinalError ? error.original : error;
      // Name the setting that gave the deadline, not the pipeline's generic one.
      throw isOperationTimeoutError(original)
        ? Object.assign(new OperationTimeoutError('filesystem', operation, timeoutMs, 'filesystem.timeout'), {
            attempts: 1,
          })
        : original;
    });
  };
  function readFile(relative: string): Promise<Buffer>;
  function readFile(relative: string, encoding: BufferEncoding): Promise<string>;
  function readFile(relative: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    return gate<Buffer | string>('readFile', () =>
      encoding ? fs.readFile(relative, encoding) : fs.readFile(relative),
    );
  }
  return {
    basePath: fs.basePath,
    resolve: (relative) => fs.resolve(relative),
    readFile,
    writeFile: (relative, data, options) =>
      gate('writeFile', () => fs.writeFile(relative, data, options), options?.signal),
    list: (relative) => gate('list', () => fs.list(relative)),
    stat: (relative) => gate('stat', () => fs.stat(relative)),
    exists: (relative) => gate('exists', () => fs.exists(relative)),
    remove: (relative, options) => gate('remove', () => fs.remove(relative, options)),
    mkdir: (relative, options) => gate('mkdir', () => fs.mkdir(relative, options)),
  };
}
