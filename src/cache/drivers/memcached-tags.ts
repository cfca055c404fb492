/**
 * Memcached tags are version counters, because Memcached cannot list keys or hold sets.
 *
 * - Each tag has a version key (`<key_prefix>\x1ftag:<tag>`, hashed to a valid Memcached key)
 *   holding a random version string, created on first use.
 * - A tagged entry is stored with the versions its tags had when it was written:
 *   `T{"tag":"version",...}\n<data>`. An untagged entry is `N<data>`.
 * - Reading a tagged entry also reads its tags' current versions (one more round trip per
 *   read of a tagged entry); if any differs, or a version key is gone (evicted), the entry is a
 *   miss.
 * - Invalidating a tag writes a new random version: O(1), whatever the number of entries.
 *
 * Trade-offs: invalidated entries are not deleted; they stay in memory, unreadable, until their
 * TTL or Memcached's LRU drops them; `invalidate({ tags })` cannot say how many entries it hid
 * (`removed: undefined`); a tag's version key evicted under memory pressure invalidates every
 * entry with that tag (a spurious miss, never a stale read).
 */
export const UNTAGGED = 'N';
export const TAGGED = 'T';

/** Tag → version, as stored in a tagged entry's header. */
export type TagVersions = Readonly<Record<string, string>>;

/** Stored text of an entry. */
export function encodeTagged(data: string, versions: TagVersions | undefined): string {
  return versions ? `${TAGGED}${JSON.stringify(versions)}\n${data}` : UNTAGGED + data;
}

/** The data and the tag versions of a stored text; `undefined` when not Stator's format. */
export function decodeTagged(text: string): { data: string; versions?: TagVersions } | undefined {
  const marker = text.charCodeAt(0);
  if (marker === 78 /* N */) return { data: text.slice(1) };
  if (marker !== 84 /* T */) return undefined;
  const end = text.indexOf('\n');
  if (end < 0) return undefined;
  try {
    const versions = JSON.parse(text.slice(1, end)) as unknown;
    if (typeof versions !== 'object' || versions === null) return undefined;
    return { data: text.slice(end + 1), versions: versions as TagVersions };
  } catch {
    return undefined;
  }
}

/** A new version string, unique enough that an evicted-then-recreated tag never repeats one. */
export function newTagVersion(now: number): string {
  return `${now.toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}
