import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys have the form `stk_<principal id>.<43 random base64url characters>` (256 bits). Only
 * `sha256:<hex>` of a key is stored (`security.principals.<id>.key_hashes`): a key has enough
 * entropy that a slow hash adds nothing, and SHA-256 keeps checking one cheap.
 */
export const API_KEY_PREFIX = 'stk_';

/** A new random API key for a principal. Show it once; store only {@link hashApiKey} of it. */
export function generateApiKey(principalId: string): string {
  return `${API_KEY_PREFIX}${principalId}.${randomBytes(32).toString('base64url')}`;
}

/** The stored form of an API key: `sha256:<64 hex digits>`. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The principal id an API key claims, or undefined when it is not shaped like a Stator key. */
export function apiKeyPrincipal(key: string): string | undefined {
  if (!key.startsWith(API_KEY_PREFIX)) return undefined;
  const dot = key.lastIndexOf('.');
  if (dot <= API_KEY_PREFIX.length || dot === key.length - 1) return undefined;
  return key.slice(API_KEY_PREFIX.length, dot);
}

/** True when `key` hashes to one of `hashes`; each comparison takes constant time. */
export function matchApiKey(key: string, hashes: readonly string[]): boolean {
  const actual = Buffer.from(hashApiKey(key));
  let found = false;
  for (const h of hashes) {
    const expected = Buffer.from(h);
    if (expected.length === actual.length && timingSafeEqual(expected, actual)) found = true;
  }
  return found;
}
