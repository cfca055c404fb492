/**
 * Where a driver keeps what it knows about a tag (a Redis set of keys, a Memcached version):
 * `<key_prefix>\x1ftag:<tag>`. The unit separator keeps tag keys apart from any key a
 * service would use, and out of its prefix invalidations.
 */
export const TAG_NAMESPACE = '\u001ftag:';

/** The server key of a tag. */
export function tagKey(keyPrefix: string, tag: string): string {
  return `${keyPrefix}${TAG_NAMESPACE}${tag}`;
}
