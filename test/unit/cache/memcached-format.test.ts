import { describe, expect, it } from 'vitest';
import { MEMCACHED_MAX_KEY_BYTES, memcachedKey } from '../../../src/cache/drivers/memcached-key.js';
import { decodeTagged, encodeTagged, newTagVersion } from '../../../src/cache/drivers/memcached-tags.js';
import { escapeGlob } from '../../../src/cache/drivers/redis-tags.js';
import { tagKey } from '../../../src/cache/tag-key.js';

describe('memcached keys', () => {
  it('keeps valid keys readable', () => {
    expect(memcachedKey('app:user:42')).toBe('app:user:42');
  });

  it('hashes keys Memcached would refuse: too long, spaces, control characters (tag keys)', () => {
    const long = 'k'.repeat(300);
    for (const bad of [long, 'has space', 'tab\there', tagKey('app:', 'red'), 'é'.repeat(200)]) {
      const stored = memcachedKey(bad);
      expect(stored).toMatch(/^stator:h:[A-Za-z0-9_-]{43}$/);
      expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(MEMCACHED_MAX_KEY_BYTES);
    }
    expect(memcachedKey(long)).toBe(memcachedKey(long));
    expect(memcachedKey(long)).not.toBe(memcachedKey(`${long}x`));
  });
});

describe('memcached tag versions', () => {
  it('untagged entries carry one marker character; tagged ones their tag versions', () => {
    expect(encodeTagged('0jx', undefined)).toBe('N0jx');
    expect(decodeTagged('N0jx')).toEqual({ data: '0jx' });
    const text = encodeTagged('0j"a\\nb"\nmore', { red: 'v1', blue: 'v2' });
    expect(decodeTagged(text)).toEqual({ data: '0j"a\\nb"\nmore', versions: { red: 'v1', blue: 'v2' } });
  });

  it('foreign or broken text reads as nothing', () => {
    expect(decodeTagged('hello')).toBeUndefined();
    expect(decodeTagged('T{broken\nx')).toBeUndefined();
    expect(decodeTagged('Tnull\nx')).toBeUndefined();
  });

  it('versions do not repeat', () => {
    const versions = new Set(Array.from({ length: 1000 }, () => newTagVersion(5)));
    expect(versions.size).toBe(1000);
  });
});

describe('redis prefix matching', () => {
  it('escapes glob characters so a prefix matches literally', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
  });
});
