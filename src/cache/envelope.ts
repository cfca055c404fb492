/**
 * The text a driver stores for one entry: the serializer's output plus what the cache layer
 * itself needs to know about the entry, in one string so one round trip reads both.
 *
 * - `0<payload>`: a plain entry (what `set` writes; the hot path).
 * - `1<meta JSON>\n<payload>`: an entry with meta: `s` = soft expiry in clock milliseconds
 *   (stale-while-revalidate: served stale after it, until the server drops it), `n` = 1 for a
 *   remembered absence (negative caching; empty payload).
 *
 * JSON.stringify escapes newlines, so the first `\n` always ends the meta part.
 */
export interface EntryMeta {
  /** Clock time (ms) after which the entry is stale. */
  readonly softExpiresAt?: number;
  /** The entry records that the loader found nothing. */
  readonly negative?: boolean;
}

/** An entry read back. */
export interface DecodedEntry extends EntryMeta {
  /** The serializer's text; empty for a negative entry. */
  readonly payload: string;
}

const PLAIN = '0';
const WITH_META = '1';

/** Builds the stored text of an entry. */
export function encodeEntry(payload: string, meta?: EntryMeta): string {
  if (!meta || (meta.softExpiresAt === undefined && !meta.negative)) return PLAIN + payload;
  const m: { s?: number; n?: 1 } = {};
  if (meta.softExpiresAt !== undefined) m.s = meta.softExpiresAt;
  if (meta.negative) m.n = 1;
  return `${WITH_META}${JSON.stringify(m)}\n${payload}`;
}

/** Reads stored text back; `undefined` when it was not written by Stator's cache layer. */
export function decodeEntry(text: string): DecodedEntry | undefined {
  const marker = text.charCodeAt(0);
  if (marker === 48 /* 0 */) return { payload: text.slice(1) };
  if (marker !== 49 /* 1 */) return undefined;
  const end = text.indexOf('\n');
  if (end < 0) return undefined;
  let meta: { s?: unknown; n?: unknown };
  try {
    meta = JSON.parse(text.slice(1, end)) as { s?: unknown; n?: unknown };
  } catch {
    return undefined;
  }
  return {
    payload: text.slice(end + 1),
    ...(typeof meta.s === 'number' ? { softExpiresAt: meta.s } : {}),
    ...(meta.n === 1 ? { negative: true } : {}),
  };
}
