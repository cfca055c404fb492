import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditLineEntry } from './audit-entry.js';

/** An entry as {@link readAuditEntries} gives it: its own `seq` and the fields of its line, without the seal. */
export type AuditEntryRead = Omit<AuditLineEntry, 'count'>;

/**
 * The entries of one audit log file, in order, one object per entry: a line that is a run
 * (`"count": k`, format 4) gives its `k` entries, `seq` to `seq + k - 1`. What a log shipper or a
 * report wants; it does not check the chain (`verifyAuditLog` does).
 *
 * @example
 * ```ts
 * for await (const e of readAuditEntries('var/logs/audit.jsonl'))
 *   if (e.decision === 'deny') console.log(e.seq, e.who, e.action, e.resource, e.reason);
 * ```
 * @throws Error naming the line when a line is not an entry (not JSON, no integer `seq`), or the file's error.
 */
export async function* readAuditEntries(file: string): AsyncGenerator<AuditEntryRead> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      if (text === '') continue;
      const { prevHash: _p, hash: _h, count, ...entry } = parseLine(text, file, n);
      for (let k = 0; k < (count ?? 1); k++) yield k === 0 ? entry : { ...entry, seq: entry.seq + k };
    }
  } finally {
    lines.close();
  }
}

function parseLine(text: string, file: string, n: number): AuditLineEntry & { prevHash?: string; hash?: string } {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    line = undefined;
  }
  const { seq, count } = (line ?? {}) as { seq?: unknown; count?: unknown };
  if (!Number.isSafeInteger(seq) || (count !== undefined && !Number.isSafeInteger(count)))
    throw new Error(`${file}:${n} is not an audit entry; check the log with \`stator audit verify --file ${file}\``);
  return line as AuditLineEntry;
}
