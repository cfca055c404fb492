import { constants, ftruncateSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { HeldFile } from './held-file.js';
import { hmacFor } from './keyed-hash.js';
import type { AuditHead } from './audit-tail.js';

/** Where the head of a log's chain is kept outside the log: `<file>.head`. */
export const anchorPath = (file: string): string => `${file}.head`;

const macOf = (head: AuditHead, key: string | undefined): string =>
  hmacFor(key ?? 'stator-audit-anchor')(`${head.seq}:${head.hash}`);

/** Every anchor is written this long (padded with spaces), so that each write replaces the whole of the last. */
const ANCHOR_BYTES = 192;

/** The anchor's text: one JSON line, padded to {@link ANCHOR_BYTES}. */
export function auditAnchorText(head: AuditHead, key: string | undefined): string {
  const json = JSON.stringify({ seq: head.seq, hash: head.hash, mac: macOf(head, key) });
  return `${json.padEnd(ANCHOR_BYTES - 1)}\n`;
}

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
  /** The file was just opened: cut it to the anchor's length after the next write (an older, longer one). */
  private fresh = false;

  public constructor(logFile: string) {
    this.file = new HeldFile(anchorPath(logFile), constants.O_WRONLY | constants.O_CREAT, () => {
      this.fresh = true;
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
      writeSync(fd, auditAnchorText(head, key), 0);
      if (this.fresh) ftruncateSync(fd, ANCHOR_BYTES);
      this.fresh = false;
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
