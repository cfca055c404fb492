import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { listRotatedSet, rotatedName } from '../logging/rotation/rotated-set.js';
import { GENESIS_HASH } from './audit-entry.js';
import { readAuditHead, type AuditHead } from './audit-tail.js';
import { verifyAuditLog, type AuditVerification, type VerifyAuditOptions } from './verify-audit-log.js';

/**
 * The head of a rotated audit log: the last entry of the newest non-empty file of the set, so that
 * after a rotation (or a restart right after one) the chain goes on where the previous file ended.
 *
 * @throws Error when that file ends in a partial line (see {@link readAuditHead}).
 */
export async function readAuditSetHead(file: string): Promise<AuditHead> {
  const { files } = await listRotatedSet(file);
  for (const f of [...files].reverse()) {
    const head = await readAuditHead(f.path);
    if (head.seq > 0) return head;
  }
  return { seq: 0, hash: GENESIS_HASH };
}

/** The result of {@link verifyAuditSet}. */
export interface AuditSetVerification extends AuditVerification {
  /** The files checked, oldest first (the active file last). */
  readonly files: readonly string[];
  /**
   * When the oldest file kept does not start the chain (older files were deleted by
   * `rotation.keep`), the entry it starts after: its chain is checked from there on.
   */
  readonly startsAfter?: { readonly seq: number; readonly hash: string };
  /** The file of the first problem, when not `ok`. */
  readonly badFile?: string;
}

/**
 * Checks the hash chain of a rotated audit log as one chain: each file must start from the last
 * entry of the file before it. Reports, besides what {@link verifyAuditLog} finds in a file, a
 * file missing from the middle of the set (its index is absent) and files out of order (a file
 * that does not continue its predecessor). `file` is the active file's path
 * (`security.audit.file`); a log that was never rotated is that one file.
 *
 * @throws the file system's error when no file of the set can be read.
 */
export async function verifyAuditSet(
  file: string,
  options: Pick<VerifyAuditOptions, 'key' | 'anchor'> = {},
): Promise<AuditSetVerification> {
  const set = await listRotatedSet(file);
  if (set.files.length === 0) return { ...(await verifyAuditLog(file, options)), files: [file] };
  const files = set.files.map((f) => f.path);
  const first = set.files[0];
  let verified = 0;
  let head: AuditHead = { seq: 0, hash: GENESIS_HASH };
  let startsAfter: AuditHead | undefined;
  if (first && first.index !== undefined && first.index > 1) {
    // Retention removed the files before this one: its first entry says where it continues from.
    startsAfter = await firstLink(first.path);
    if (startsAfter) head = startsAfter;
  }
  const extra = startsAfter ? { startsAfter } : {};

  if (set.missing.length) {
    const names = set.missing.map((i) => basename(rotatedName(file, i)));
    const after = set.files.findIndex((f) => f.index !== undefined && f.index > (set.missing[0] ?? 0));
    return {
      ok: false,
      verified: 0,
      head,
      files,
      ...extra,
      badFile: set.files[after]?.path ?? file,
      firstBad: {
        line: 1,
        problem: `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} missing from the rotated set (deleted); the chain cannot be checked across the gap`,
      },
    };
  }

  let previous: string | undefined;
  for (const f of set.files) {
    const result = await verifyAuditLog(f.path, { ...options, from: head });
    verified += result.verified;
    if (!result.ok) {
      const bad = result.firstBad;
      const atStart = result.verified === 0 && previous !== undefined && bad?.line === 1 && bad.seq !== undefined;
      const problem = atStart
        ? `${basename(f.path)} does not continue ${basename(previous ?? '')} (${bad?.problem}): a file is missing or the files are out of order`
        : (bad?.problem ?? 'broken');
      return {
        ...result,
        verified,
        files,
        ...extra,
        badFile: f.path,
        firstBad: { ...bad, line: bad?.line ?? 1, problem },
      };
    }
    head = result.head;
    previous = f.path;
  }
  return { ok: true, verified, head, files, ...extra };
}

/**
 * `seq - 1` of the first entry of `file` and the `prevHash` of its batch (the first line that
 * carries one: in formats 3 and 4 only a batch's last line does), when it has them.
 */
async function firstLink(file: string): Promise<AuditHead | undefined> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let first: number | undefined;
  try {
    for await (const text of lines) {
      if (!text) continue;
      const entry = JSON.parse(text) as { seq?: unknown; prevHash?: unknown };
      if (!Number.isInteger(entry.seq)) return undefined;
      first ??= entry.seq as number;
      if (typeof entry.prevHash === 'string') return { seq: first - 1, hash: entry.prevHash };
    }
  } catch {
    return undefined;
  } finally {
    lines.close();
  }
  return undefined;
}
