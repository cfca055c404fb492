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
 */
export class AuditAnchorFile {
  private readonly file: HeldFile;
  /** The file's length as last cut; `undefined` once (re)opened (it may hold an older, longer anchor). */
  private length: number | undefined;
  /** The anchor's bytes: JSON, spaces, `\n`. */
  private readonly buffer = Buffer.alloc(ANCHOR_BYTES, 0x20);

  public constructor(logFile: string) {
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

  /** Closes the file. */
  public close(): void {
    this.file.close();
  }
}

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
