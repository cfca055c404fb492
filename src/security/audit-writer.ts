import { close as closeFd, fdatasync, fdatasyncSync, writeSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { lastRotatedIndex, listRotatedSet, rotatedName } from '../logging/rotation/rotated-set.js';
import type { RotationPolicy } from '../logging/rotation/rotation-policy.js';
import { unrefTimer, type Clock } from '../kernel/clock.js';
import { HeldFile } from './held-file.js';

/** `security.audit.sync`: when an appended entry counts as written. */
export type AuditSync = 'always' | 'batch';

/** Options of {@link AuditWriter}. */
export interface AuditWriterOptions {
  readonly file: string;
  readonly sync: AuditSync;
  /** With `batch`: milliseconds between two flushes to disk. */
  readonly batchIntervalMs: number;
  readonly clock: Clock;
  /** When to start a new file (as `RotatingFile` does: the active file keeps its name). */
  readonly rotation?: RotationPolicy;
  /** Told when a background flush to disk failed (the next write retries it and fails closed). */
  readonly onSyncFailed?: (error: unknown) => void;
}

/**
 * Writes batches of audit lines to one file, held open in append mode.
 *
 * - `sync: batch` — {@link write} returns once the text is in the file (a synchronous `write(2)`
 *   into the page cache, a few microseconds: no thread-pool round trip per guarded call). The
 *   file is flushed to disk (`fdatasync`) at most `batchIntervalMs` after a write. If that flush
 *   fails, the next write flushes first and throws if it fails again: appends fail closed.
 * - `sync: always` — {@link write} resolves once the text is on disk (`fdatasync` after the
 *   write). The audit log writes the entries of every call that arrived while a flush was in
 *   flight together (group commit), so concurrent calls share one write and one flush.
 *
 * The file follows its path ({@link HeldFile}): once it is moved away, replaced or deleted, the
 * next write reopens the log at the path, and a path that cannot be opened fails the write. A
 * failed write closes the file; the next write opens it again.
 */
export class AuditWriter {
  private readonly file: HeldFile;
  private size = 0;
  private openedAt = 0;
  private syncTimer: unknown;
  private syncFailure: unknown;
  /** Rotated files still being flushed and closed in the background. */
  private readonly retiring = new Set<Promise<void>>();

  public constructor(private readonly options: AuditWriterOptions) {
    this.file = new HeldFile(options.file, 'a', (_fd, { size, birthtimeMs, mtimeMs }) => {
      this.size = size;
      this.openedAt = size > 0 ? Math.min(options.clock.now(), birthtimeMs || mtimeMs) : options.clock.now();
    });
  }

  /**
   * Writes `data` (the caller must not change it until the promise, if any, settles: a rotation
   * waits before writing); returns a promise only when it must wait for the disk (`sync: always`).
   *
   * @throws the file system's error (fail closed: the caller refuses the access).
   */
  public write(data: Uint8Array): Promise<void> | undefined {
    if (this.rotationDue(data.length)) return this.rotate().then(() => this.write(data));
    const fd = this.file.open();
    try {
      if (this.syncFailure !== undefined) {
        fdatasyncSync(fd);
        this.syncFailure = undefined;
      }
      const bytes = data.length;
      const written = writeSync(fd, data);
      this.size += written;
      // A short write (a full disk) leaves a partial line; the audit log cuts it back and fails closed.
      if (written !== bytes) throw new Error(`short write to the audit log: ${written} of ${bytes} bytes`);
    } catch (error) {
      this.close();
      throw error;
    }
    if (this.options.sync === 'always') return this.datasync(fd);
    if (this.syncTimer === undefined) {
      this.syncTimer = this.options.clock.setTimeout(() => this.flushToDisk(), this.options.batchIntervalMs);
      unrefTimer(this.syncTimer);
    }
    return undefined;
  }

  /** Flushes what was written and closes the file. */
  public close(): void {
    this.stopSyncTimer();
    this.file.close(true);
  }

  /** Resolves once the rotated files flushed in the background are on disk and closed. */
  public async settled(): Promise<void> {
    while (this.retiring.size > 0) await Promise.all(this.retiring);
  }

  private stopSyncTimer(): void {
    if (this.syncTimer !== undefined) this.options.clock.clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
  }

  /**
   * Flushes a rotated file to disk and closes it in libuv's pool, not on the event loop: at a
   * rotation of 100 MB written by `sync: batch`, a synchronous fdatasync held every guarded call
   * (5% of a c=32 bench's time). Its entries were already acknowledged under `sync: batch`, whose
   * own timed flush runs in the background too; a failure is reported the same way.
   */
  private retire(fd: number): void {
    const done = new Promise<void>((resolve) =>
      fdatasync(fd, (error) => {
        if (error) this.options.onSyncFailed?.(error);
        closeFd(fd, () => resolve());
      }),
    );
    this.retiring.add(done);
    void done.then(() => this.retiring.delete(done));
  }

  /** The rotation policy asks for a fresh file before `bytes` more (only once the file holds something). */
  private rotationDue(bytes: number): boolean {
    const policy = this.options.rotation;
    if (!policy || this.file.current === undefined || this.size === 0) return false;
    if (policy.maxSize && this.size + bytes > policy.maxSize) return true;
    return Boolean(policy.maxAge && this.options.clock.now() - this.openedAt >= policy.maxAge);
  }

  /** Closes the active file (flushed), renames it to the next index, drops files beyond `keep`. */
  private async rotate(): Promise<void> {
    this.stopSyncTimer();
    const fd = this.file.detach();
    if (fd !== undefined) this.retire(fd);
    await rename(this.options.file, rotatedName(this.options.file, (await lastRotatedIndex(this.options.file)) + 1));
    const keep = this.options.rotation?.keep;
    if (keep === undefined) return;
    const rotated = (await listRotatedSet(this.options.file)).files.filter((f) => f.index !== undefined);
    for (const old of rotated.slice(0, Math.max(0, rotated.length - keep)))
      await unlink(old.path).catch(() => undefined);
  }

  private datasync(fd: number): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      fdatasync(fd, (error) => {
        if (!error) return resolve();
        if (this.file.current === fd) this.close();
        reject(error);
      }),
    );
  }

  private flushToDisk(): void {
    this.syncTimer = undefined;
    const fd = this.file.current;
    if (fd === undefined) return;
    fdatasync(fd, (error) => {
      if (!error) return;
      this.syncFailure = error;
      this.options.onSyncFailed?.(error);
    });
  }
}
