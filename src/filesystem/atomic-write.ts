import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { descriptorPath } from './verified-open.js';

/** What an atomic write (`stator.fs.writeFile`) writes: bytes, text, or a stream of chunks. */
export type WriteData = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Mode of the file, set with chmod so the umask does not change it. Default: the mode of the file replaced, or 0o666 less the umask for a new one. */
  readonly mode?: number;
  /** Encoding of string data. Default utf8. */
  readonly encoding?: BufferEncoding;
  /** Aborting stops the write; the target is left as it was. */
  readonly signal?: AbortSignal;
  /**
   * Refuse to write unless the temporary file really is in this directory (checked on its open
   * descriptor, `/proc/self/fd`): a directory swapped for a symbolic link after the caller checked
   * the path makes the write fail instead of landing elsewhere. The guarded `fs` passes the real
   * directory it checked.
   */
  readonly expectedDirectory?: string;
}

/** The prefix of temporary files, so that a leftover from a crashed process is recognizable. */
export const TEMP_PREFIX = '.stator-tmp-';

/**
 * Replaces `file` with `data` so that a reader, or a crash at any moment, sees either the old
 * content or the whole new content, never part of it: the data goes to a temporary file in the
 * same directory, which is fsynced, then renamed over the target (atomic on POSIX), then the
 * directory is fsynced so that the rename survives a power loss. Concurrent writers each use
 * their own temporary file; the last rename wins and the file is always complete. On any failure
 * the temporary file is removed.
 */
export async function writeFileAtomic(file: string, data: WriteData, options: AtomicWriteOptions = {}): Promise<void> {
  options.signal?.throwIfAborted();
  const dir = dirname(file);
  const temp = join(dir, `${TEMP_PREFIX}${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const mode = options.mode ?? (await existingMode(file));
  let handle: FileHandle | undefined = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode ?? 0o666,
  );
  try {
    if (options.expectedDirectory !== undefined) {
      const where = await descriptorPath(handle);
      if (where !== undefined && where !== join(options.expectedDirectory, basename(temp))) {
        // Created elsewhere through a swapped link: remove it where it really is, not by the path.
        await rm(where, { force: true }).catch(() => undefined);
        throw Object.assign(
          new Error(`${dir} changed while it was being written (a symbolic link was swapped in); refused`),
          { code: 'ELOOP' },
        );
      }
    }
    await writeAll(handle, data, options);
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    options.signal?.throwIfAborted();
    await rename(temp, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

async function writeAll(handle: FileHandle, data: WriteData, options: AtomicWriteOptions): Promise<void> {
  const encoding = options.encoding ?? 'utf8';
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await handle.writeFile(data, { encoding, ...(options.signal ? { signal: options.signal } : {}) });
    return;
  }
  for await (const chunk of data as AsyncIterable<string | Uint8Array>) {
    options.signal?.throwIfAborted();
    await handle.write(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
  }
}

async function existingMode(file: string): Promise<number | undefined> {
  try {
    const stats = await stat(file);
    return stats.isFile() ? stats.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

/** Makes a rename durable. Some filesystems refuse to fsync a directory; that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
