import { closeSync, fdatasyncSync, fstatSync, openSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';

/**
 * A file held open for writing at a fixed path, reopened when the path stops naming it.
 *
 * The path is watched (inotify through `fs.watch`): once the file is moved away, replaced or
 * deleted (seen at the event loop's next poll), the next {@link open} opens the file found at the
 * path (or creates it), so writes follow the path as the configuration names it. A change event
 * (the file's own writes, or its link count when deleted while open) is checked with a `stat` of
 * the path once the poll's events are handled (`setImmediate`), or by the next {@link open} if that
 * comes first: one `stat` however many writes the poll reports, never a write on a file whose
 * change was seen and not checked. Without a watch (a file system that offers none) the path is
 * checked on every {@link open}.
 */
export class HeldFile {
  private fd: number | undefined;
  private identity: { dev: number; ino: number } | undefined;
  private watcher: FSWatcher | undefined;
  /** The path may no longer name the open file: check it before the next use. */
  private moved = true;
  /** A change event came that is not checked yet (see {@link settle}). */
  private changed = false;

  /**
   * @param path the file's path.
   * @param flags `open(2)` flags (`'a'` to append, or numeric flags).
   * @param onOpen told of each fresh open with the file's stats (size, times).
   */
  public constructor(
    public readonly path: string,
    private readonly flags: string | number,
    private readonly onOpen: (fd: number, stats: Stats) => void = () => undefined,
  ) {}

  /** The open descriptor, if any (without checking the path). */
  public get current(): number | undefined {
    return this.fd;
  }

  /**
   * The descriptor of the file at the path, opened (created, mode 0600) if needed.
   *
   * @throws the file system's error when the path cannot be opened.
   */
  public open(): number {
    if (this.fd !== undefined) {
      if (this.changed) this.settle();
      if (!this.moved) return this.fd;
      if (this.namesOpenFile()) return this.fd;
      this.close(true); // moved, replaced or deleted: write at the path, as the configuration says
    }
    const fd = openSync(this.path, this.flags, 0o600);
    try {
      const stats = fstatSync(fd);
      this.identity = { dev: stats.dev, ino: stats.ino };
      this.onOpen(fd, stats);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.fd = fd;
    this.watchPath();
    return fd;
  }

  /**
   * Lets go of the open descriptor without closing it: the caller closes it (the audit log flushes
   * a rotated file in the background). The next {@link open} opens the path again.
   */
  public detach(): number | undefined {
    const fd = this.fd;
    this.fd = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.moved = true;
    this.changed = false;
    return fd;
  }

  /** Closes the file (flushed to disk first when `flush`); the next {@link open} opens it again. */
  public close(flush = false): void {
    const fd = this.detach();
    if (fd === undefined) return;
    if (flush) {
      try {
        fdatasyncSync(fd);
      } catch {
        // Closing after a failure: the error was already reported by the write that failed.
      }
    }
    closeSync(fd);
  }

  /** The path still names the open file. */
  private namesOpenFile(): boolean {
    const now = statSync(this.path, { throwIfNoEntry: false });
    return !!now && now.ino === this.identity?.ino && now.dev === this.identity.dev;
  }

  /** Checks the path after a change event: a deleted (or replaced) file still open reports only that. */
  private readonly settle = (): void => {
    if (!this.changed) return;
    this.changed = false;
    try {
      if (!this.moved) this.moved = !this.namesOpenFile();
    } catch {
      this.moved = true; // the path cannot be looked at: the next open looks again, and fails if it must
    }
  };

  private watchPath(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.moved = true;
    this.changed = false;
    try {
      const watcher = watch(this.path, { persistent: false }, (event) => {
        if (event === 'rename') this.moved = true;
        else if (!this.moved && !this.changed) {
          // Looked at once the poll's events are handled (the file's own writes report a change
          // each), or by the next open if that comes first.
          this.changed = true;
          setImmediate(this.settle).unref();
        }
      });
      watcher.on('error', () => {
        this.moved = true;
        watcher.close();
      });
      this.watcher = watcher;
      this.moved = false;
    } catch {
      // No watch here: the path is checked before every use.
    }
  }
}
