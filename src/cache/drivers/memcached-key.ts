import { createHash } from 'node:crypto';

/** Memcached's longest key, in bytes. */
export const MEMCACHED_MAX_KEY_BYTES = 250;

// eslint-disable-next-line no-control-regex -- the control characters Memcached refuses in keys
const UNSAFE = /[\u0000-\u0020\u007f]/;

/**
 * The key Memcached stores for a full cache key. Memcached refuses keys over 250 bytes and
 * keys with spaces or control characters; such keys are stored under `stator:h:` plus the
 * SHA-256 of the key (base64url), so every key the API accepts works on every driver. Others
 * are stored as they are, readable in `memcached-tool` dumps.
 */
export function memcachedKey(fullKey: string): string {
  if ((fullKey.length <= 83 || Buffer.byteLength(fullKey) <= MEMCACHED_MAX_KEY_BYTES) && !UNSAFE.test(fullKey))
    return fullKey;
  return `stator:h:${createHash('sha256').update(fullKey).digest('base64url')}`;
}
