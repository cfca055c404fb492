import { readFile } from 'node:fs/promises';
import { readAuditAnchor } from './audit-anchor.js';
import {
  GENESIS_HASH,
  auditFieldArray,
  canonicalAuditLine,
  hashAuditEntry,
  sealAuditBatch,
  sealAuditText,
  unsealedAuditLine,
  type AuditLineEntry,
} from './audit-entry.js';

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
/** The fields of a line that does not end its batch (formats 3 and 4): no `prevHash`, no `hash`. */
const UNSEALED = 7;

function shapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  const sealed = v.prevHash !== undefined || v.hash !== undefined;
  for (const f of FIELDS.slice(0, sealed ? FIELDS.length : UNSEALED)) {
    if (f === 'seq' ? !Number.isInteger(v[f]) : typeof v[f] !== 'string')
      return `field "${f}" missing or of the wrong type`;
  }
  // A run of entries (format 4) counts at least two; a single entry has no count.
  if (v.count !== undefined && !(Number.isSafeInteger(v.count) && (v.count as number) >= 2))
    return 'field "count" is not a whole number of at least 2';
  const extra = Object.keys(v).filter((k) => k !== 'count' && !(FIELDS as readonly string[]).includes(k));
  if (extra.length) return `unexpected field(s) ${extra.join(', ')}`;
  return undefined;
}

/**
 * An entry, or a run of entries (`count`, format 4), as its line gives it: the last line of a
 * batch carries `prevHash` and `hash`, the others not (formats 3 and 4).
 */
type Line = AuditLineEntry & { readonly prevHash?: string; readonly hash?: string };

/** The seq of the last entry of a line (a run's ends `count - 1` after its first). */
const lastSeq = (line: Line): number => line.seq + (line.count ?? 1) - 1;

/** Options of {@link verifyAuditLog}. */
export interface VerifyAuditOptions {
  /** `security.audit.key`, when the log was written with one (entries are HMACs then). */
  readonly key?: string;
  /** Compare the log's end with the head anchor (`<file>.head`). Default true. */
  readonly anchor?: boolean;
  /** The head this file continues (the previous file's last entry in a rotated set); genesis by default. */
  readonly from?: { readonly seq: number; readonly hash: string };
}

/**
 * Reads an audit log and checks its chain. It reports the **first** bad entry:
 *
 * - a line that is not byte for byte the canonical form of an entry (`JSON.stringify` of its
 *   fields in order, `\n`-terminated): so a duplicate key (`"decision":"allow"` before the real
 *   one), an escape written differently (`\u0061lice`), a CRLF ending, extra spaces or a line cut
 *   short are all refused, and what is verified is exactly what a reader of the file sees;
 * - an entry whose `seq` is not the previous one + 1 (deleted, reordered);
 * - a batch (lines without a seal and the line after them that carries `prevHash` and `hash`;
 *   in older logs, consecutive lines that all carry the same `prevHash` and `hash`) whose seal does
 *   not match its entries (an entry edited, removed from or added to it, or the batch cut short;
 *   with `key`, a recomputed chain fails too, since the seals are HMACs); it is reported at the
 *   batch's first line, since the seal cannot tell which of its entries changed;
 * - a batch whose `prevHash` is not the previous batch's `hash` (replaced, spliced), or lines at
 *   the end without the line that seals them (cut short);
 * - with the head anchor: a log that ends before the anchored entry (lines cut off the end,
 *   truncated to nothing), or whose entry at the anchored seq has another hash (rewritten and
 *   renumbered).
 *
 * `from` is the head the file continues (the previous file's last entry, in a rotated set; see
 * `verifyAuditSet`), genesis by default.
 *
 * @throws the file system's error when the file cannot be read at all (missing, a directory).
 */
export async function verifyAuditLog(path: string, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
  const text = await readFile(path, 'utf8');
  const start = options.from ?? { seq: 0, hash: GENESIS_HASH };
  const chain = new ChainReader(start, options.key);
  const bad = ({ line, problem, seq }: Problem): AuditVerification => ({
    ok: false,
    verified: chain.verified,
    head: chain.head,
    firstBad: { line, problem, ...(seq !== undefined ? { seq } : {}) },
  });
  const lines = text.split('\n');
  const last = lines.pop();
  if (last !== undefined && last !== '')
    return bad({ line: lines.length + 1, problem: 'the last line is not terminated (a write was cut short)' });
  for (let i = 0; i < lines.length; i++) {
    const problem = chain.read(lines[i] as string, i + 1);
    if (problem) return bad(problem);
  }
  const problem =
    chain.end() ??
    (options.anchor !== false ? await anchorProblem(path, options.key, lines, start, chain.head) : undefined);
  return problem ? bad(problem) : { ok: true, verified: chain.verified, head: chain.head };
}

/** Reads a log line by line into batches, checking each batch as it ends. */
class ChainReader {
  /** Entries found intact so far. */
  public verified = 0;
  /** The last intact entry. */
  public head: Head;
  private batch: Batch | undefined;
  /** Lines without a seal so far (formats 3 and 4): the batch that the next sealed line ends. */
  private unsealed: { line: number; entries: Line[] } | undefined;
  private seq: number;

  public constructor(
    start: Head,
    private readonly key: string | undefined,
  ) {
    this.head = start;
    this.seq = start.seq;
  }

  /** Takes line number `n`; the first problem found, or undefined. */
  public read(raw: string, n: number): Problem | undefined {
    const checked = checkLine(raw, this.seq);
    if ('problem' in checked) {
      // The entries before it count as intact if their batch is; the line's problem is the one named.
      this.close();
      return { line: n, ...checked };
    }
    this.seq = lastSeq(checked);
    const { prevHash, hash } = checked;
    if (hash === undefined || prevHash === undefined) {
      (this.unsealed ??= { line: n, entries: [] }).entries.push(checked);
      return this.close();
    }
    const batch = this.batch;
    if (!this.unsealed && batch && !batch.sealedLast && prevHash === batch.prevHash && hash === batch.hash) {
      batch.entries.push(checked);
      return undefined;
    }
    const problem = this.close();
    const unsealed = this.unsealed;
    this.unsealed = undefined;
    this.batch = unsealed
      ? { line: unsealed.line, prevHash, hash, entries: [...unsealed.entries, checked], sealedLast: true }
      : { line: n, prevHash, hash, entries: [checked], sealedLast: false };
    return problem;
  }

  /** The end of the file: the last batch checked, and no lines left without their seal. */
  public end(): Problem | undefined {
    const problem = this.close();
    if (problem || !this.unsealed) return problem;
    const first = this.unsealed.entries[0] as Line;
    return {
      line: this.unsealed.line,
      seq: first.seq,
      problem: `entries ${first.seq} to ${this.seq} have no seal: their batch was cut short (its last line removed)`,
    };
  }

  /** Checks the batch read so far and moves the head past it; its problem, or undefined. */
  private close(): Problem | undefined {
    const batch = this.batch;
    if (!batch) return undefined;
    this.batch = undefined;
    const problem = batchProblem(batch, this.head, this.key);
    if (problem) return problem;
    const last = batch.entries[batch.entries.length - 1] as Line;
    this.head = { seq: lastSeq(last), hash: batch.hash };
    this.verified += lastSeq(last) - (batch.entries[0] as Line).seq + 1;
    return undefined;
  }
}

/** The head of a chain: the last intact entry's seq and hash. */
interface Head {
  readonly seq: number;
  readonly hash: string;
}

/** What is wrong, on which 1-based line, and the seq written there when it could be read. */
interface Problem {
  readonly line: number;
  readonly problem: string;
  readonly seq?: number | undefined;
}

/**
 * One sealed batch, from its 1-based `line`: lines without a seal ended by the line that carries
 * it (`sealedLast`, formats 3 and 4), or consecutive lines that all carry the same `prevHash` and `hash`
 * (format 2; format 1 is a batch of one).
 */
interface Batch {
  readonly line: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly entries: Line[];
  readonly sealedLast: boolean;
}

/** The batch's seal matches its entries, in the format its layout allows. */
function sealMatches(batch: Batch, key: string | undefined): boolean {
  const { entries, prevHash, hash } = batch;
  const format3 = (): boolean => sealAuditText(prevHash, entries.map(unsealedAuditLine).join(''), key) === hash;
  if (batch.sealedLast) return format3();
  // Runs (`count`) came with format 4, whose seal alone covers them.
  if (entries.some((e) => e.count !== undefined)) return entries.length === 1 && format3();
  const format2 = (): boolean => sealAuditBatch(prevHash, entries.map(auditFieldArray), key) === hash;
  if (entries.length > 1) return format2();
  // A batch of one: format 4, 3, 2 or 1 (one hash over the entry's fields and prevHash).
  return format3() || format2() || hashAuditEntry({ ...(entries[0] as Line), prevHash }, key) === hash;
}

/** What is wrong with a batch that must continue `head`: a seal that does not match, a broken link. */
function batchProblem(batch: Batch, head: Head, key: string | undefined): Problem | undefined {
  const first = batch.entries[0] as Line;
  const last = batch.entries[batch.entries.length - 1] as Line;
  if (!sealMatches(batch, key)) {
    const what =
      lastSeq(last) === first.seq
        ? `entry ${first.seq} was`
        : `the batch of entries ${first.seq} to ${lastSeq(last)} was`;
    return {
      line: batch.line,
      seq: first.seq,
      problem: `${what} modified: its hash does not match its content${key ? ' and the key' : ''} (an entry edited, removed or added, or the batch cut short)`,
    };
  }
  if (batch.prevHash !== head.hash)
    return {
      line: batch.line,
      seq: first.seq,
      problem: `entry ${first.seq} does not chain to entry ${head.seq}: an entry between them was replaced`,
    };
  return undefined;
}

/** Checks one line and its seq (the one after `seq`): the entry when well formed, else what is wrong. */
function checkLine(raw: string, prevSeq: number): Line | Omit<Problem, 'line'> {
  if (raw === '') return { problem: 'blank line inside the log (a line was emptied)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { problem: 'not valid JSON (edited or cut short)' };
  }
  const shape = shapeProblem(parsed);
  const seq = typeof (parsed as { seq?: unknown })?.seq === 'number' ? (parsed as { seq: number }).seq : undefined;
  if (shape) return { problem: shape, seq };
  const entry = parsed as Line;
  const canonical =
    entry.hash === undefined || entry.prevHash === undefined
      ? unsealedAuditLine(entry)
      : canonicalAuditLine({ ...entry, prevHash: entry.prevHash, hash: entry.hash });
  if (`${raw}\n` !== canonical) {
    return {
      problem:
        'not in canonical form (duplicate key, escape written differently, CRLF, spacing or key order): edited by hand',
      seq: entry.seq,
    };
  }
  if (entry.seq !== prevSeq + 1) {
    const why = entry.seq > prevSeq + 1 ? `entry ${prevSeq + 1} is missing (deleted)` : 'entries are out of order';
    return { problem: `expected entry ${prevSeq + 1}, found entry ${entry.seq}: ${why}`, seq: entry.seq };
  }
  return entry;
}

/**
 * Compares the verified chain (`start` to `head`) with the head anchor (`<file>.head`): the log
 * must not end before the anchored entry, and the entry at the anchored seq must have its hash.
 */
async function anchorProblem(
  path: string,
  key: string | undefined,
  lines: readonly string[],
  start: Head,
  head: Head,
): Promise<Problem | undefined> {
  const anchor = await readAuditAnchor(path, key);
  if (typeof anchor === 'string') return { line: lines.length, problem: anchor };
  if (anchor && head.seq < anchor.seq)
    return {
      line: lines.length + 1,
      problem: `the log ends at entry ${head.seq} but its head anchor says entry ${anchor.seq} was written: entries were cut off the end (or the log was emptied)`,
    };
  if (anchor && anchor.seq > 0) {
    // The anchor may name the entry this file continues from (an active file just rotated).
    const found = anchor.seq > start.seq ? lineOf(lines, anchor.seq) : undefined;
    const at = anchor.seq === start.seq ? start.hash : anchor.seq < start.seq ? anchor.hash : found?.hash;
    if (at !== anchor.hash)
      return {
        line: found?.line ?? lines.length,
        problem: `entry ${anchor.seq} is not the one the head anchor recorded: the log was rewritten`,
        seq: anchor.seq,
      };
  }
  return undefined;
}

/**
 * The 1-based line that holds entry `seq` and the hash it carries (an anchored entry ends its
 * batch, so its line carries the seal), by bisection: the lines are verified consecutive by then.
 */
function lineOf(lines: readonly string[], seq: number): { readonly line: number; readonly hash?: string } | undefined {
  for (let lo = 0, hi = lines.length - 1; lo <= hi;) {
    const mid = (lo + hi) >> 1;
    const entry = JSON.parse(lines[mid] as string) as Line;
    if (lastSeq(entry) < seq) lo = mid + 1;
    else if (entry.seq > seq) hi = mid - 1;
    // Inside a run, an entry other than its last carries no seal of its own.
    else return { line: mid + 1, ...(lastSeq(entry) === seq && entry.hash ? { hash: entry.hash } : {}) };
  }
  return undefined;
}
