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
 * One entry of the audit log (JSONL: a line is one entry, or a run of entries alike but for
 * `seq`). Entries are written in batches (group commit), and each batch is sealed once: `hash` is SHA-256, or HMAC-SHA256 with
 * `security.audit.key`, over `prevHash` and every entry of the batch (see `sealAuditText`),
 * and `prevHash` the previous batch's ({@link GENESIS_HASH} for the first). Every entry of a batch
 * has them; in the file (format 4) only the batch's last line carries them, its other lines end at
 * `reason`, and entries of a batch alike in every field but `seq` share one line that counts them
 * (`count`, see {@link AuditLineEntry}). Changing, removing, adding or reordering a line, or a
 * count, breaks the seal of its batch or the chain. Older logs still verify: one hash per entry (format 1, `hashAuditEntry`: such an entry is
 * a batch of one) and every line of a batch carrying the seal over a JSON array of its fields
 * (format 2, `sealAuditBatch`).
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

/**
 * The hash of an entry in format 1 (one hash per entry, as logs were written before batches were
 * sealed): SHA-256 (hex) of the JSON array of its fields in a fixed order, so that key order and
 * whitespace in the file do not matter, and every field does. Keyed (`security.audit.key`):
 * HMAC-SHA256, so that whoever can write the file but lacks the key cannot recompute a chain
 * after editing it. The verifier accepts it for an entry that is a batch of its own.
 */
export function hashAuditEntry(e: Omit<AuditEntry, 'hash'>, key?: string): string {
  return (key ? hmacFor(key) : sha256Hex)(
    `[${e.seq},${json(e.time)},${json(e.who)},${json(e.action)},${json(e.resource)},${json(e.decision)},${json(e.reason)},${json(e.prevHash)}]`,
  );
}

/** The JSON text of a record's five fields, prepared once for a record that is written many times. */
export interface AuditRecordTexts {
  /** `"who":…,"action":…,"resource":…,"decision":…,"reason":…` (the middle of the line). */
  readonly keyed: string;
  /** {@link keyed} as UTF-8, copied into each batch as is. */
  readonly bytes: Buffer;
}

/** {@link AuditRecordTexts} of `record` (its fields as they are: scrub them first). */
export function auditRecordTexts(record: AuditRecord): AuditRecordTexts {
  const keyed = `"who":${json(record.who)},"action":${json(record.action)},"resource":${json(record.resource)},"decision":${json(record.decision)},"reason":${json(record.reason)}`;
  return { keyed, bytes: Buffer.from(keyed, 'utf8') };
}

/** The JSON array `[seq, time, who, action, resource, decision, reason]` of an entry, as the seal covers it. */
export const auditFieldArray = (e: Omit<AuditEntry, 'hash' | 'prevHash'>): string =>
  `[${e.seq},${json(e.time)},${json(e.who)},${json(e.action)},${json(e.resource)},${json(e.decision)},${json(e.reason)}]`;

/**
 * The seal of a batch in format 2 (read by the verifier; the log is written in format 4): SHA-256, or HMAC-SHA256 under `key`, of the JSON array
 * `[prevHash, [seq, time, who, action, resource, decision, reason], …]` with one array per entry of
 * the batch, in order. Every entry of the batch carries it as `hash`, and the previous batch's as
 * `prevHash`. (Format 1, {@link hashAuditEntry}, starts its array with a number, this one with a
 * string: the two never hash the same text.)
 */
export function sealAuditBatch(prevHash: string, fieldArrays: readonly string[], key?: string): string {
  return (key ? hmacFor(key) : sha256Hex)(`[${json(prevHash)},${fieldArrays.join(',')}]`);
}

/**
 * What one line of the log holds in format 4: an entry, or with `count` (2 or more) a run of
 * entries alike in every field but `seq` (`seq` to `seq + count - 1`: the same record written by
 * concurrent calls of one batch, as a burst of one guarded call gives). Format 3 is format 4
 * without runs.
 */
export type AuditLineEntry = Omit<AuditEntry, 'hash' | 'prevHash'> & { readonly count?: number };

/** `,"count":<n>` for a run, nothing for a single entry. */
const countText = (e: AuditLineEntry): string => (e.count === undefined ? '' : `,"count":${e.count}`);

/**
 * An entry's line without `prevHash` and `hash` (formats 3 and 4): every line of a batch but the
 * last, and the last line as its batch's seal covers it: `JSON.stringify` of `seq`, `count` (a run
 * only) and the six other fields, `\n`-terminated.
 */
export const unsealedAuditLine = (e: AuditLineEntry): string =>
  `{"seq":${e.seq}${countText(e)},"time":${json(e.time)},"who":${json(e.who)},"action":${json(e.action)},"resource":${json(e.resource)},"decision":${json(e.decision)},"reason":${json(e.reason)}}\n`;

/**
 * The one byte sequence a line that carries a seal may have: its fields in order (`seq`, `count`
 * for a run, the six others, `prevHash`, `hash`), `JSON.stringify`'d, `\n`-terminated.
 */
export const canonicalAuditLine = (e: AuditLineEntry & { readonly prevHash: string; readonly hash: string }): string =>
  `${unsealedAuditLine(e).slice(0, -2)},"prevHash":${json(e.prevHash)},"hash":${json(e.hash)}}\n`;

/**
 * The seal of a batch in formats 3 and 4: SHA-256, or HMAC-SHA256 under `key`, of the bytes (UTF-8)
 * `prevHash`, `\n`, then the batch's lines as {@link unsealedAuditLine}s, in order. The batch's
 * last line carries it as `hash` with `prevHash`; its other lines carry neither. (Formats 1 and 2
 * hash a JSON array, whose text starts with `[`; this text starts with the previous hash's hex
 * digits: no two formats hash the same text.)
 */
export function sealAuditText(prevHash: string, unsealedLines: string, key?: string): string {
  return (key ? hmacFor(key) : sha256Hex)(`${prevHash}\n${unsealedLines}`);
}
