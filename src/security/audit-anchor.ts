import { createHmac } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { AuditHead } from './audit-tail.js';

/** Where the head of a log's chain is kept outside the log: `<file>.head`. */
export const anchorPath = (file: string): string => `${file}.head`;

const macOf = (head: AuditHead, key: string | undefined): string =>
  createHmac('sha256', key ?? 'stator-audit-anchor')
    .update(`${head.seq}:${head.hash}`)
    .digest('hex');

/**
 * Records the chain head outside the log (`<file>.head`, replaced atomically), MAC'd with
 * `security.audit.key`: cutting lines off the end of the log, emptying it or deleting entries and
 * renumbering leaves a log whose head is behind or beside the anchor, which `verify` reports.
 */
export async function writeAuditAnchor(file: string, head: AuditHead, key: string | undefined): Promise<void> {
  // A plain write, like the log's own appends (no fsync per batch: an fsynced rename cost ~30 ms per
  // guarded call). A crash in the middle leaves an anchor verify reports as unreadable, never a pass.
  await writeFile(anchorPath(file), `${JSON.stringify({ seq: head.seq, hash: head.hash, mac: macOf(head, key) })}\n`);
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
