import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { lastRotatedIndex, listRotatedSet, rotatedName } from './rotated-set.js';
import type { RotationPolicy } from './rotation-policy.js';

/** Options of {@link RotatingFile}. */
export interface RotatingFileOptions {
  readonly policy?: RotationPolicy;
  /** Where "now" comes from for `maxAge` (the runtime's clock). Default `Date.now`. */
  readonly clock?: { now(): number };
  /** Called with the rotated file's new path after each rotation. */
  readonly onRotate?: (rotated: string) => void;
  /** Called when retention could not delete an old file (the write itself went through). */
  readonly onRetentionError?: (file: string, error: unknown) => void;
}

/**
 * An append-only file that rotates by size and age and keeps a bounded number of old files: the
 * event log, the audit log and the file log write through it.
 *
 * Appends are written one after another in call order, whole: a rotation happens between two
 * appends, never inside one, so a reader of the set ({@link listRotatedSet}) sees every line
 * once. The active file keeps its configured name (`logs/audit.jsonl`); a rotated file is
 * renamed to the next index (`logs/audit.000004.jsonl`), and indexes only grow, across restarts.
 *
 * @example
 * ```ts
 * const file = new RotatingFile('var/logs/events.jsonl', { policy: { maxSize: 64 << 20, keep: 10 } });
 * await file.append('{"seq":1}\n');
 * await file.close();
 * ```
 */
export class RotatingFile {
  /** Size and creation time of the active file, read when it is first written after a start or an error. */
  private known = false;
  private size = 0;
  private openedAt = 0;
  private nextIndex: number | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  public constructor(
    public readonly file: string,
    private readonly options: RotatingFileOptions = {},
  ) {}

  /**
   * Appends `text` (whole lines, ending in a newline) after every earlier append, rotating first
   * when the policy says so. Resolves once the text is handed to the file system.
   *
   * @throws the file system's error when the file cannot be opened, rotated or written; the next
   * append tries again.
   */
  public append(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.file} is closed`));
    const run = this.tail.then(() => this.write(text));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending appends; later appends are refused. Idempotent. */
  public async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  private now(): number {
    return this.options.clock?.now() ?? Date.now();
  }

  // The file is opened for each append and closed after it (as `appendFile` does): callers batch
  // their lines, and nothing stays open to leak when an owner forgets to close.
  private async write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    const handle = await this.openActive();
    try {
      if (this.size > 0 && this.due(bytes)) {
        await handle.close();
        await this.rotate();
        return await this.write(text);
      }
      await handle.appendFile(text);
      this.size += bytes;
      await handle.close();
    } catch (error) {
      // The file may now end in a partial line or be gone: re-read its size next time.
      this.known = false;
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  private due(bytes: number): boolean {
    const { maxSize, maxAge } = this.options.policy ?? {};
    if (maxSize && this.size + bytes > maxSize) return true;
    return Boolean(maxAge && this.now() - this.openedAt >= maxAge);
  }

  private async openActive(): Promise<FileHandle> {
    if (this.known) return open(this.file, 'a');
    await mkdir(path.dirname(this.file), { recursive: true });
    const handle = await open(this.file, 'a');
    const stat = await handle.stat();
    this.size = stat.size;
    // A file continued after a restart counts its age from when it was created.
    this.openedAt = stat.size > 0 ? Math.min(this.now(), stat.birthtimeMs || stat.mtimeMs) : this.now();
    this.known = true;
    return handle;
  }

  private async rotate(): Promise<void> {
    this.known = false;
    this.nextIndex ??= (await lastRotatedIndex(this.file)) + 1;
    const target = rotatedName(this.file, this.nextIndex);
    await rename(this.file, target);
    this.nextIndex++;
    this.options.onRotate?.(target);
    await this.prune();
  }

  private async prune(): Promise<void> {
    const keep = this.options.policy?.keep;
    if (keep === undefined) return;
    const rotated = (await listRotatedSet(this.file)).files.filter((f) => f.index !== undefined);
    for (const old of rotated.slice(0, Math.max(0, rotated.length - keep))) {
      await unlink(old.path).catch((error: unknown) => this.options.onRetentionError?.(old.path, error));
    }
  }
}
