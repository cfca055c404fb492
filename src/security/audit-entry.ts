import { createHash, createHmac } from 'node:crypto';

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

/**
 * The hash of an entry: SHA-256 (hex) of the JSON array of its fields in a fixed order, so that
 * key order and whitespace in the file do not matter, and every field does.
 */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>, key?: string): string {
  const canonical = JSON.stringify([
    entry.seq,
    entry.time,
    entry.who,
    entry.action,
    entry.resource,
    entry.decision,
    entry.reason,
    entry.prevHash,
  ]);
  // Keyed (security.audit.key): HMAC-SHA256, so that whoever can write the file but lacks the key
  // cannot recompute a chain after editing it.
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(canonical).digest('hex');
}

/** The one byte sequence a written entry may have: its fields in order, JSON.stringify'd, `\n`-terminated. */
export function canonicalAuditLine(entry: AuditEntry): string {
  return `${JSON.stringify({
    seq: entry.seq,
    time: entry.time,
    who: entry.who,
    action: entry.action,
    resource: entry.resource,
    decision: entry.decision,
    reason: entry.reason,
    prevHash: entry.prevHash,
    hash: entry.hash,
  })}\n`;
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
  const body = {
    seq: prev.seq + 1,
    time,
    who: record.who,
    action: record.action,
    resource: record.resource,
    decision: record.decision,
    reason: record.reason,
    prevHash: prev.hash,
  };
  return { ...body, hash: hashAuditEntry(body, key) };
}
