import { describe, expect, it } from 'vitest';
import { retryBackoffMs } from '../../../src/database/retry-backoff.js';

describe('retryBackoffMs', () => {
  it('doubles the ceiling per retry up to the cap, with full jitter below it', () => {
    const top = (): number => 1 - Number.EPSILON;
    expect([1, 2, 3, 4, 10].map((n) => retryBackoffMs(n, 20, 100, top))).toEqual([20, 40, 80, 100, 100]);
    expect(retryBackoffMs(3, 20, 100, () => 0)).toBe(0);
    expect(retryBackoffMs(3, 20, 100, () => 0.5)).toBe(40);
  });
});
