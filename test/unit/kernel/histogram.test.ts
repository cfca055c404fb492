import { describe, expect, it } from 'vitest';
import { DurationHistogram } from '../../../src/kernel/histogram.js';

describe('DurationHistogram', () => {
  it('counts each value in the first bucket it fits, cumulatively for Prometheus', () => {
    const h = new DurationHistogram([0.001, 0.01, 0.1]);
    for (const v of [0.0005, 0.001, 0.005, 0.05, 2]) h.observe(v);
    expect(h.count).toBe(5);
    expect(h.sum).toBeCloseTo(2.0565);
    expect(h.cumulative()).toEqual([
      { le: 0.001, count: 2 },
      { le: 0.01, count: 3 },
      { le: 0.1, count: 4 },
      { le: '+Inf', count: 5 },
    ]);
  });
});
