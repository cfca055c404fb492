import { open } from 'node:fs/promises';
import { GENESIS_HASH } from './audit-entry.js';

/** The head of an audit chain: the last entry's seq and hash. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

const CHUNK = 64 * 1024;

/**
 * Reads the last entry of an existing audit log, so that a restarted Stator continues the chain.
 * A missing or empty file is a new chain (genesis).
 *
 * @throws Error when the file ends in a partial line or its last line is not an entry: writing
 * on would bury the damage, so the log must be looked at (`stator audit verify`) first.
 */
export async function readAuditHead(file: string): Promise<AuditHead> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { seq: 0, hash: GENESIS_HASH };
    throw e;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return { seq: 0, hash: GENESIS_HASH };
    let start = size;
    let tail = '';
    // Read backwards until the chunk holds a whole last line.
    for (;;) {
      const len = Math.min(CHUNK, start);
      start -= len;
      const buf = Buffer.alloc(len);
      await handle.read(buf, 0, len, start);
      tail = buf.toString('utf8') + tail;
      const body = tail.endsWith('\n') ? tail.slice(0, -1) : tail;
      if (body.lastIndexOf('\n') >= 0 || start === 0) break;
    }
    if (!tail.endsWith('\n')) throw new Error('the audit log ends in a partial line (a write was cut short)');
    const last = tail.slice(0, -1).split('\n').pop() ?? '';
    const entry = JSON.parse(last) as { seq?: unknown; count?: unknown; hash?: unknown };
    const count = entry.count ?? 1;
    if (!Number.isInteger(entry.seq) || !Number.isInteger(count))
      throw new Error('the last line of the audit log is not an entry');
    if (typeof entry.hash !== 'string')
      throw new Error("the last line of the audit log has no seal (its batch's last line is missing)");
    // A run (format 4) ends at seq + count - 1.
    return { seq: (entry.seq as number) + (count as number) - 1, hash: entry.hash };
  } finally {
    await handle.close();
  }
}
