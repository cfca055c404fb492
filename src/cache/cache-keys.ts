import { CacheKeyInvalidError } from '../errors/cache-key-invalid-error.js';

/** The tags of a call that gave none (one array, not one per call). */
export const NO_TAGS: readonly string[] = [];

/** The server's key of a caller's key: `cache.key_prefix` + key, after checking it is a non-empty string. */
export function prefixedKey(keyPrefix: string, key: string): string {
  return keyPrefix + checkedKey(key);
}

/**
 * `key` after checking it is a non-empty string.
 *
 * @throws CacheKeyInvalidError when it is not.
 */
export function checkedKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new CacheKeyInvalidError('key', typeof key === 'string' ? 'an empty string' : typeof key);
  }
  return key;
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

/** Prefixed keys remembered by {@link PrefixedKeys}; beyond this many the memo starts over. */
const MAX_REMEMBERED_KEYS = 4096;

/**
 * {@link prefixedKey} for the hot paths (`get`, `set`), remembering the prefixed form of recent
 * keys: a concatenated key is a new string whose hash the driver's map computes again on every
 * call (flattening it first), while a remembered one is found by the caller's short key and
 * carries its hash. With no prefix the key is used as is.
 */
export class PrefixedKeys {
  private readonly memo = new Map<string, string>();

  public constructor(private readonly prefix: string) {}

  /**
   * The server's key of `key`.
   *
   * @throws CacheKeyInvalidError when `key` is not a non-empty string.
   */
  public of(key: string): string {
    if (this.prefix === '' || typeof key !== 'string') return prefixedKey(this.prefix, key);
    let full = this.memo.get(key);
    if (full === undefined) {
      full = prefixedKey(this.prefix, key);
      if (this.memo.size >= MAX_REMEMBERED_KEYS) this.memo.clear();
      this.memo.set(key, full);
    }
    return full;
  }
}
