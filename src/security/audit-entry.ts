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
 * One line of the audit log (JSONL). `hash` is SHA-256 over the entry's other fields and
 * `prevHash` is the previous entry's `hash` ({@link GENESIS_HASH} for the first), so that changing,
 * removing or reordering a line breaks the chain at that line.
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
 * The hash of an entry: SHA-256 (hex) of the JSON array of its fields in a fixed order, so that
 * key order and whitespace in the file do not matter, and every field does. Keyed
 * (`security.audit.key`): HMAC-SHA256, so that whoever can write the file but lacks the key
 * cannot recompute a chain after editing it.
 */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>, key?: string): string {
  return digestFields(fieldTexts(entry), key);
}

/** The one byte sequence a written entry may have: its fields in order, JSON.stringify'd, `\n`-terminated. */
export function canonicalAuditLine(entry: AuditEntry): string {
  return lineOf(fieldTexts(entry), entry.hash);
}

/**
 * Builds the next entry of a chain whose head is `prev`: the one function that continues a chain,
 * whether in one file or across rotated files (pass the last head of the previous file).
 */
export function chainAuditEntry(
  record: AuditRecord,
  prev: { seq: number; hash: string },
  time: string,
  key?: string,
): AuditEntry {
  return chainAuditLine(record, prev, time, key).entry;
}

/**
 * {@link chainAuditEntry} with the entry's line ({@link canonicalAuditLine}), each field turned
 * into JSON once for both the hash and the line. `timeJson` is `JSON.stringify(time)` (a batch
 * shares one time).
 */
export function chainAuditLine(
  record: AuditRecord,
  prev: { seq: number; hash: string },
  time: string,
  key?: string,
  timeJson: string = json(time),
): { readonly entry: AuditEntry; readonly line: string } {
  const seq = prev.seq + 1;
  const f: FieldTexts = [
    String(seq),
    timeJson,
    json(record.who),
    json(record.action),
    json(record.resource),
    json(record.decision),
    json(record.reason),
    json(prev.hash),
  ];
  const hash = digestFields(f, key);
  const entry: AuditEntry = {
    seq,
    time,
    who: record.who,
    action: record.action,
    resource: record.resource,
    decision: record.decision,
    reason: record.reason,
    prevHash: prev.hash,
    hash,
  };
  return { entry, line: lineOf(f, hash) };
}

/** The JSON texts of a record's five fields, prepared once for a record that is written many times. */
export interface AuditRecordTexts {
  /** `who,action,resource,decision,reason` as JSON, comma-separated (the middle of the hashed array). */
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

/**
 * {@link chainAuditLine} from prepared record texts: the same hash and the same line, without
 * turning the record's fields into JSON again nor building an entry object.
 */
export function chainAuditTexts(
  texts: AuditRecordTexts,
  prev: { readonly seq: number; readonly hash: string },
  timeJson: string,
  key?: string,
): { readonly seq: number; readonly hash: string; readonly line: string } {
  const seq = prev.seq + 1;
  const prevJson = json(prev.hash);
  const hash = (key ? hmacFor(key) : sha256Hex)(`[${seq},${timeJson},${texts.csv},${prevJson}]`);
  return {
    seq,
    hash,
    line: `{"seq":${seq},"time":${timeJson},${texts.keyed},"prevHash":${prevJson},"hash":"${hash}"}\n`,
  };
}
