import { CacheInvalidationUnsupportedError } from '../errors/cache-invalidation-unsupported-error.js';
import { CacheKeyInvalidError } from '../errors/cache-key-invalid-error.js';
import type { RuntimeContext } from '../kernel/context.js';
import { checkedTags, NO_TAGS, prefixedKey } from './cache-keys.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheDriver } from './driver.js';
import type { RemoteCalls } from './remote-calls.js';
import type { CacheInvalidation, CacheInvalidationResult } from './types.js';

/** What {@link invalidateEntries} works with. */
export interface InvalidationParts {
  readonly ctx: RuntimeContext;
  readonly driver: CacheDriver;
  readonly remote: RemoteCalls;
  readonly metrics: CacheMetrics;
  readonly keyPrefix: string;
  /** Called once the target is known valid, before anything is removed: loads in flight must not write back. */
  readonly overtaken: () => void;
}

/**
 * `cache.invalidate({ keys | tags | prefix })`: checks the target, drops the fallback copies it
 * covers before the server is told, removes the keys, the tags' keys and the prefix's keys, and
 * emits `cache.invalidated` with what was removed (`null` when the driver cannot count).
 *
 * @throws {@link CacheKeyInvalidError} for a target naming nothing, or an empty prefix with no `cache.key_prefix`.
 * @throws {@link CacheInvalidationUnsupportedError} for a prefix on a driver that cannot list keys.
 */
export async function invalidateEntries(
  parts: InvalidationParts,
  target: CacheInvalidation,
): Promise<CacheInvalidationResult> {
  const { driver, remote, metrics, keyPrefix } = parts;
  const started = performance.now();
  const keys = target.keys?.map((k) => prefixedKey(keyPrefix, k)) ?? [];
  const tags = target.tags ? checkedTags(target.tags) : NO_TAGS;
  const prefix = target.prefix;
  checkTarget(parts, keys, tags, prefix);
  parts.overtaken();
  remote.forgetCopies(keys, tags, prefix);
  let removed: number | undefined = 0;
  const add = (n: number | undefined): void => {
    removed = removed === undefined || n === undefined ? undefined : removed + n;
  };
  try {
    if (keys.length) {
      metrics.invalidations.keys++;
      add(await remote.write('invalidate', () => driver.deleteMany(keys)));
    }
    if (tags.length) {
      metrics.invalidations.tags++;
      add(await remote.write('invalidate', () => driver.invalidateTags(tags)));
    }
    if (prefix !== undefined) {
      metrics.invalidations.prefix++;
      add(await remote.write('invalidate', () => driver.invalidatePrefix(keyPrefix + prefix)));
    }
  } finally {
    metrics.time('invalidate', started);
  }
  parts.ctx.events.emit('cache', 'cache.invalidated', {
    driver: driver.name,
    ...(target.keys?.length ? { keys: [...target.keys] } : {}),
    ...(tags.length ? { tags: [...tags] } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    removed: removed ?? null,
  });
  return { removed };
}

function checkTarget(
  parts: InvalidationParts,
  keys: readonly string[],
  tags: readonly string[],
  prefix: string | undefined,
): void {
  if (prefix !== undefined) {
    if (typeof prefix !== 'string' || (prefix === '' && parts.keyPrefix === '')) {
      throw new CacheKeyInvalidError(
        'prefix',
        prefix === ''
          ? 'an empty prefix with no cache.key_prefix (that would be every key of the server)'
          : typeof prefix,
      );
    }
    if (!parts.driver.supportsPrefixInvalidation) {
      parts.metrics.error('invalid-input');
      throw new CacheInvalidationUnsupportedError(parts.driver.name, 'prefix');
    }
  }
  if (keys.length === 0 && tags.length === 0 && prefix === undefined) {
    throw new CacheKeyInvalidError('key', 'an invalidation naming no keys, tags or prefix');
  }
}
