import { hmacFor, sha256Hex } from './keyed-hash.js';

/** What a caller records; {@link AuditLog.append} adds `seq`, `time` and the hashes. */
export interface AuditRecord {
  /** Principal id, the name a login attempt claimed, or `anonymous`. */
  readonly who: string;
  /** `auth.password`, `auth.api_key`, `auth.token`, `auth.revoke`, or the permission's `resource:action` (`db:write`). */
  readonly action: string;
  /** What was acted on: `db:orders`, `fs:uploads/a.png`, `cache:user:1`, `principal:alice`. */
  readonly resource: string;
  readonly decision: 'allow' | 'deny';
  /** Why: the rule that granted or denied, or the authentication failure. Never a secret. */
  readonly reason: string;
}

/**
 * One line of the audit log (JSONL). Entries are written in batches (group commit), and each
 * batch is sealed once: every entry of a batch carries the batch's `hash` (SHA-256, or HMAC-SHA256
 * with `security.audit.key`, over `prevHash` and every field of every entry of the batch, see
 * `sealAuditBatch`) and, as `prevHash`, the previous batch's ({@link GENESIS_HASH} for the
 * first). Changing, removing, adding or reordering a line breaks the seal of its batch or the chain.
 * Logs written one hash per entry (format 1, `hashAuditEntry`) still verify: such an entry
 * is a batch of one.
 */
export interface AuditEntry extends AuditRecord {
  /** 1, 2, 3, ... without gaps. */
  readonly seq: number;
  /** ISO 8601 time from the injected clock. */
  readonly time: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

const json = JSON.stringify;

/** The JSON text of each field, in the fixed order (seq, time, who, action, resource, decision, reason, prevHash). */
type FieldTexts = readonly [string, string, string, string, string, string, string, string];

const fieldTexts = (e: Omit<AuditEntry, 'hash'>, time: string = json(e.time)): FieldTexts => [
  String(e.seq),
  time,
  json(e.who),
  json(e.action),
  json(e.resource),
  json(e.decision),
  json(e.reason),
  json(e.prevHash),
];

/** SHA-256, or HMAC-SHA256 under `key`, of the canonical array of an entry's fields. */
const digestFields = (f: FieldTexts, key: string | undefined): string =>
  (key ? hmacFor(key) : sha256Hex)(`[${f.join(',')}]`);

/** The line of an entry from its field texts and hash (what `JSON.stringify` of the entry gives). */
const lineOf = (f: FieldTexts, hash: string): string =>
  `{"seq":${f[0]},"time":${f[1]},"who":${f[2]},"action":${f[3]},"resource":${f[4]},"decision":${f[5]},"reason":${f[6]},"prevHash":${f[7]},"hash":${json(hash)}}\n`;

/**
 * The hash of an entry in format 1 (one hash per entry, as logs were written before batches were
 * sealed): SHA-256 (hex) of the JSON array of its fields in a fixed order, so that key order and
 * whitespace in the file do not matter, and every field does. Keyed (`security.audit.key`):
 * HMAC-SHA256, so that whoever can write the file but lacks the key cannot recompute a chain
 * after editing it. The verifier accepts it for an entry that is a batch of its own.
 */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>, key?: string): string {
  return digestFields(fieldTexts(entry), key);
}

/** The one byte sequence a written entry may have: its fields in order, JSON.stringify'd, `\n`-terminated. */
export function canonicalAuditLine(entry: AuditEntry): string {
  return lineOf(fieldTexts(entry), entry.hash);
}

/** The JSON texts of a record's five fields, prepared once for a record that is written many times. */
export interface AuditRecordTexts {
  /** `who,action,resource,decision,reason` as JSON, comma-separated (the end of the entry's field array). */
  readonly csv: string;
  /** `"who":…,"action":…,"resource":…,"decision":…,"reason":…` (the middle of the line). */
  readonly keyed: string;
}

/** {@link AuditRecordTexts} of `record` (its fields as they are: scrub them first). */
export function auditRecordTexts(record: AuditRecord): AuditRecordTexts {
  const w = json(record.who);
  const a = json(record.action);
  const r = json(record.resource);
  const d = json(record.decision);
  const why = json(record.reason);
  return {
    csv: `${w},${a},${r},${d},${why}`,
    keyed: `"who":${w},"action":${a},"resource":${r},"decision":${d},"reason":${why}`,
  };
}

/** The JSON array `[seq, time, who, action, resource, decision, reason]` of an entry, as the seal covers it. */
export const auditFieldArray = (e: Omit<AuditEntry, 'hash' | 'prevHash'>): string =>
  `[${e.seq},${json(e.time)},${json(e.who)},${json(e.action)},${json(e.resource)},${json(e.decision)},${json(e.reason)}]`;

/**
 * The seal of a batch (format 2): SHA-256, or HMAC-SHA256 under `key`, of the JSON array
 * `[prevHash, [seq, time, who, action, resource, decision, reason], …]` with one array per entry of
 * the batch, in order. Every entry of the batch carries it as `hash`, and the previous batch's as
 * `prevHash`. (Format 1, {@link hashAuditEntry}, starts its array with a number, this one with a
 * string: the two never hash the same text.)
 */
export function sealAuditBatch(prevHash: string, fieldArrays: readonly string[], key?: string): string {
  return (key ? hmacFor(key) : sha256Hex)(`[${json(prevHash)},${fieldArrays.join(',')}]`);
}

/**
 * The lines of a batch of records (scrubbed, as {@link AuditRecordTexts}) continuing the chain at
 * `prev`: seq numbers from `prev.seq + 1`, one `time`, one seal (`sealAuditBatch`) for all.
 */
export function sealAuditLines(
  records: readonly AuditRecordTexts[],
  prev: { readonly seq: number; readonly hash: string },
  timeJson: string,
  key?: string,
): { readonly lines: string; readonly hash: string } {
  const arrays: string[] = [];
  for (let i = 0; i < records.length; i++)
    arrays.push(`[${prev.seq + 1 + i},${timeJson},${(records[i] as AuditRecordTexts).csv}]`);
  const hash = sealAuditBatch(prev.hash, arrays, key);
  const tail = `"prevHash":${json(prev.hash)},"hash":"${hash}"}\n`;
  let lines = '';
  for (let i = 0; i < records.length; i++)
    lines += `{"seq":${prev.seq + 1 + i},"time":${timeJson},${(records[i] as AuditRecordTexts).keyed},${tail}`;
  return { lines, hash };
}
