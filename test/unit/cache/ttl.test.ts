import { describe, expect, it } from 'vitest';
import { ttlWithJitter } from '../../../src/cache/ttl.js';

describe('ttlWithJitter', () => {
  it('0 (or less) means no expiry', () => {
    expect(ttlWithJitter(0, 0.1)).toBe(0);
    expect(ttlWithJitter(-5, 0.1)).toBe(0);
  });

  it('without jitter, the TTL in milliseconds', () => {
    expect(ttlWithJitter(1.5, 0)).toBe(1500);
  });

  it('with jitter, between ttl × (1 − jitter) and ttl, never longer', () => {
    expect(ttlWithJitter(100, 0.1, () => 0)).toBe(100_000);
    expect(ttlWithJitter(100, 0.1, () => 0.5)).toBe(95_000);
    expect(ttlWithJitter(100, 0.1, () => 0.999999)).toBe(90_000);
  });

  it('spreads entries written together', () => {
    const values = new Set(Array.from({ length: 50 }, () => ttlWithJitter(60, 0.2)));
    expect(values.size).toBeGreaterThan(10);
    for (const v of values) expect(v >= 48_000 && v <= 60_000).toBe(true);
  });

  it('a tiny TTL stays at least 1 ms', () => {
    expect(ttlWithJitter(0.0001, 0)).toBe(1);
  });
});
