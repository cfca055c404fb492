/**
 * Redis tags are sets: the tag's key (`tagKey`, `<key_prefix>\x1ftag:<tag>`) holds the full
 * keys tagged with it.
 *
 * - Tagging an entry adds its key to each tag's set and keeps the set alive at least as long as
 *   its longest-lived member (no expiry when a member has none), in one script so the
 *   membership and the set's TTL never disagree.
 * - Invalidating a tag reads the set, unlinks the members, and removes exactly those members
 *   from the set (a key tagged meanwhile stays tagged).
 *
 * Trade-offs: an entry that expires leaves its key in the set until the tag is invalidated or
 * the set expires (harmless: unlinking a missing key is a no-op); setting a key again with other
 * tags does not remove it from its old tags' sets, so invalidating an old tag removes it too
 * (over-invalidation, never under-invalidation).
 */

/** KEYS[1] = tag set, ARGV[1] = member, ARGV[2] = member TTL in ms (0 = none). */
export const TAG_ADD_SCRIPT = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
local current = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  if current >= 0 then redis.call('PERSIST', KEYS[1]) end
  return added
end
if current == -1 and redis.call('SCARD', KEYS[1]) > 1 then return added end
if current < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return added
`;

/** Escapes glob characters so SCAN MATCH treats a prefix literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
