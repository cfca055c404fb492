import { CacheKeyInvalidError } from '../errors/cache-key-invalid-error.js';

/** The tags of a call that gave none (one array, not one per call). */
export const NO_TAGS: readonly string[] = [];

/** The server's key of a caller's key: `cache.key_prefix` + key, after checking it is a non-empty string. */
export function prefixedKey(keyPrefix: string, key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new CacheKeyInvalidError('key', typeof key === 'string' ? 'an empty string' : typeof key);
  }
  return keyPrefix + key;
}

/** `tags` after checking each is a non-empty string ({@link NO_TAGS} for none). */
export function checkedTags(tags: readonly string[] | undefined): readonly string[] {
  if (!tags || tags.length === 0) return NO_TAGS;
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new CacheKeyInvalidError('tag', typeof tag === 'string' ? 'an empty string' : typeof tag);
    }
  }
  return tags;
}
