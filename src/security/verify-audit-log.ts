import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { GENESIS_HASH, hashAuditEntry, type AuditEntry } from './audit-entry.js';

/** The result of {@link verifyAuditLog}. */
export interface AuditVerification {
  readonly ok: boolean;
  /** Entries read and found intact before the first problem (all of them when `ok`). */
  readonly verified: number;
  /** The last intact entry's seq and hash (the head of the chain), 0 and the genesis hash for an empty log. */
  readonly head: { readonly seq: number; readonly hash: string };
  /** The first problem, when not `ok`. */
  readonly firstBad?: {
    /** 1-based line number in the file. */
    readonly line: number;
    /** The seq written on that line, when it could be read. */
    readonly seq?: number;
    /** What is wrong, and what it means. */
    readonly problem: string;
  };
}

const FIELDS = ['seq', 'time', 'who', 'action', 'resource', 'decision', 'reason', 'prevHash', 'hash'] as const;

function shapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  for (const f of FIELDS) {
    if (f === 'seq' ? !Number.isInteger(v[f]) : typeof v[f] !== 'string') return `field "${f}" missing or of the wrong type`;
  }
  const extra = Object.keys(v).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (extra.length) return `unexpected field(s) ${extra.join(', ')}`;
  return undefined;
}

/**
 * Reads an audit log line by line and checks its chain. It reports the **first** bad entry:
 *
 * - a line that is not a complete entry (edited by hand, or cut short by a crash);
 * - an entry whose hash does not match its fields (edited);
 * - an entry whose `seq` is not the previous one + 1 (an entry before it was deleted, or the
 *   lines were reordered);
 * - an entry whose `prevHash` is not the previous entry's hash (an entry was replaced together
 *   with its hash, or entries were spliced in from another log).
 *
 * What a hash chain cannot show: lines cut off the **end** of the file, or a whole chain rewritten
 * from some entry onwards by someone who can write the file. Compare `head` with a copy kept
 * elsewhere (the database mirror, a log shipper) to catch those.
 *
 * `from` is the head the file continues (the previous file's last entry, in a rotated set; see
 * `verifyAuditSet`), genesis by default.
 *
 * @throws the file system's error when the file cannot be read at all (missing, a directory).
 */
export async function verifyAuditLog(path: string, from?: { readonly seq: number; readonly hash: string }): Promise<AuditVerification> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let verified = 0;
  let head = from ?? { seq: 0, hash: GENESIS_HASH };
  let pendingBlank: number | undefined;
  const bad = (line: number, problem: string, seq?: number): AuditVerification => ({
    ok: false,
    verified,
    head,
    firstBad: { line, problem, ...(seq !== undefined ? { seq } : {}) },
  });
  try {
    for await (const text of lines) {
      lineNo++;
      if (text === '') {
        pendingBlank ??= lineNo;
        continue;
      }
      if (pendingBlank !== undefined) return bad(pendingBlank, 'blank line inside the log (a line was emptied)');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return bad(lineNo, 'not valid JSON (edited or cut short)');
      }
      const shape = shapeProblem(parsed);
      const seq = typeof (parsed as { seq?: unknown })?.seq === 'number' ? (parsed as { seq: number }).seq : undefined;
      if (shape) return bad(lineNo, shape, seq);
      const entry = parsed as AuditEntry;
      const { hash, ...body } = entry;
      if (hashAuditEntry(body) !== hash) return bad(lineNo, `entry ${entry.seq} was modified: its hash does not match its content`, entry.seq);
      if (entry.seq !== head.seq + 1) {
        const why = entry.seq > head.seq + 1 ? `entry ${head.seq + 1} is missing (deleted)` : 'entries are out of order';
        return bad(lineNo, `expected entry ${head.seq + 1}, found entry ${entry.seq}: ${why}`, entry.seq);
      }
      if (entry.prevHash !== head.hash) {
        return bad(lineNo, `entry ${entry.seq} does not chain to entry ${head.seq}: an entry between them was replaced`, entry.seq);
      }
      head = { seq: entry.seq, hash };
      verified++;
    }
  } finally {
    lines.close();
  }
  if (pendingBlank !== undefined) return bad(pendingBlank, 'blank line at the end of the log (a line was emptied)');
  return { ok: true, verified, head };
}
