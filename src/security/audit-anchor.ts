import { constants, ftruncateSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { HeldFile } from './held-file.js';
import { hmacFor } from './keyed-hash.js';
import type { AuditHead } from './audit-tail.js';

/** Where the head of a log's chain is kept outside the log: `<file>.head`. */
export const anchorPath = (file: string): string => `${file}.head`;

const macOf = (head: AuditHead, key: string | undefined): string =>
  hmacFor(key ?? 'stator-audit-anchor')(`${head.seq}:${head.hash}`);

/** Every anchor is written this long (padded with spaces, then `\n`), so that each write replaces the whole of the last. */
const ANCHOR_BYTES = 192;

/** The anchor's JSON (without padding). */
const anchorJson = (head: AuditHead, key: string | undefined): string =>
  `{"seq":${head.seq},"hash":${JSON.stringify(head.hash)},"mac":"${macOf(head, key)}"}`;

/**
 * Records the chain head outside the log (`<file>.head`), MAC'd with `security.audit.key`:
 * cutting lines off the end of the log, emptying it or deleting entries and renumbering leaves a
 * log whose head is behind or beside the anchor, which `verify` reports.
 *
 * The anchor is held open ({@link HeldFile}: recreated at its path when moved or deleted) and each
 * head is written over the last in place, in one synchronous `pwrite(2)` of a fixed length: a few
 * microseconds, no thread-pool round trip per batch. Like the log's own appends there is no fsync
 * per write; a crash in the middle leaves an anchor verify reports as unreadable, never a pass.
 *
 * The audit log hands it each batch's head with {@link update}: the head is written once the work
 * of the current turn of the event loop is done (`setImmediate`), and at once every
 * {@link ANCHOR_EVERY_BATCHES} batches, so a burst of batches in one turn (concurrent calls whose
 * operations complete at once, each batch flushed in a `process.nextTick`) writes one anchor per
 * few batches, while an anchor never lags more than that or past the turn: a truncation made while
 * the process runs is always found (the next anchor names the head the process wrote), and on
 * `close()`, or an exit (an uncaught error included), the last head is written too.
 */
export class AuditAnchorFile {
  private readonly file: HeldFile;
  /** The file's length as last cut; `undefined` once (re)opened (it may hold an older, longer anchor). */
  private length: number | undefined;
  /** The anchor's bytes: JSON, spaces, `\n`. */
  private readonly buffer = Buffer.alloc(ANCHOR_BYTES, 0x20);
  /** A head handed to {@link update} and not written yet, with its key. */
  private pending: { readonly head: AuditHead; readonly key: string | undefined } | undefined;
  /** Batches since the anchor was last written. */
  private batches = 0;
  /** A `setImmediate` will write the pending head. */
  private scheduled = false;

  /**
   * @param logFile the log whose anchor this is (`<logFile>.head`).
   * @param onError told when a head given to {@link update} could not be written (the next is tried anyway).
   */
  public constructor(
    logFile: string,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.buffer[ANCHOR_BYTES - 1] = 0x0a;
    this.file = new HeldFile(anchorPath(logFile), constants.O_WRONLY | constants.O_CREAT, () => {
      this.length = undefined;
    });
  }

  /**
   * Writes `head` as the anchor.
   *
   * @throws the file system's error (the file is closed; the next write opens it again).
   */
  public write(head: AuditHead, key: string | undefined): void {
    const fd = this.file.open();
    try {
      const json = anchorJson(head, key);
      let length = ANCHOR_BYTES;
      if (Buffer.byteLength(json) < ANCHOR_BYTES) {
        this.buffer.fill(0x20, this.buffer.write(json, 0, 'utf8'), ANCHOR_BYTES - 1);
        writeSync(fd, this.buffer, 0, ANCHOR_BYTES, 0);
      } else {
        // A head hash of unusual length (a damaged log's tail): written as is.
        length = writeSync(fd, `${json}\n`, 0);
      }
      if (this.length !== length) ftruncateSync(fd, length);
      this.length = length;
    } catch (error) {
      this.file.close();
      throw error;
    }
  }

  /**
   * The log's head is now `head`: written at once every {@link ANCHOR_EVERY_BATCHES} calls, else
   * once the tick's work is done (see the class), by {@link settle}, or when the process exits.
   */
  public update(head: AuditHead, key: string | undefined): void {
    this.pending = { head, key };
    if (++this.batches >= ANCHOR_EVERY_BATCHES) {
      this.settle();
      return;
    }
    behind.add(this);
    if (this.scheduled) return;
    this.scheduled = true;
    // After this turn's callbacks, ticks and microtasks (the log flushes its batches in ticks).
    setImmediate(this.onTick);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', settleAll);
    }
  }

  /** Writes the head given to {@link update} if it is not written yet. Never throws (see `onError`). */
  public settle(): void {
    const pending = this.pending;
    behind.delete(this);
    this.batches = 0;
    if (pending === undefined) return;
    this.pending = undefined;
    try {
      this.write(pending.head, pending.key);
    } catch (error) {
      this.onError(error);
    }
  }

  /** Writes a pending head, then closes the file. */
  public close(): void {
    this.settle();
    this.file.close();
  }

  private readonly onTick = (): void => {
    this.scheduled = false;
    this.settle();
  };
}

/** Batches after which {@link AuditAnchorFile.update} writes the anchor at once, whatever the tick. */
export const ANCHOR_EVERY_BATCHES = 8;

/** Anchors with a head not written yet, written if the process exits first. */
const behind = new Set<AuditAnchorFile>();
let exitHooked = false;
const settleAll = (): void => {
  for (const anchor of [...behind]) anchor.settle();
};

/** The anchored head, `undefined` when there is no anchor, or a problem (string) when it was tampered with. */
export async function readAuditAnchor(file: string, key: string | undefined): Promise<AuditHead | undefined | string> {
  let text: string;
  try {
    text = await readFile(anchorPath(file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const a = JSON.parse(text) as { seq?: unknown; hash?: unknown; mac?: unknown };
    if (
      !Number.isInteger(a.seq) ||
      typeof a.hash !== 'string' ||
      a.mac !== macOf({ seq: a.seq as number, hash: a.hash }, key)
    ) {
      return 'the head anchor does not match its MAC (edited, or written with another key)';
    }
    return { seq: a.seq as number, hash: a.hash };
  } catch {
    return 'the head anchor is not valid JSON';
  }
}
