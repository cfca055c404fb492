import { describe, expect, it } from 'vitest';
import { backoffDelay, type Backoff } from '../../../src/kernel/backoff.js';
import { seededRandom } from './support/context.js';

const make = (overrides: Partial<Backoff> = {}): Backoff => ({
  kind: 'exponential',
  jitter: 'none',
  baseMs: 100,
  maxMs: 10_000,
  random: () => 0.5,
  ...overrides,
});

const series = (b: Backoff, n: number): number[] => {
  const out: number[] = [];
  let previous = b.baseMs;
  for (let retry = 1; retry <= n; retry++) {
    previous = backoffDelay(b, retry, previous);
    out.push(previous);
  }
  return out;
};

describe('backoffDelay', () => {
  it('constant: the base every time', () => {
    expect(series(make({ kind: 'constant' }), 5)).toEqual([100, 100, 100, 100, 100]);
  });

  it('linear: base × n, capped', () => {
    expect(series(make({ kind: 'linear', maxMs: 350 }), 5)).toEqual([100, 200, 300, 350, 350]);
  });

  it('exponential: base × 2^(n−1), capped at max_delay', () => {
    expect(series(make(), 9)).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
  });

  it('full jitter: r × the capped shape', () => {
    expect(series(make({ jitter: 'full', random: () => 0.25 }), 4)).toEqual([25, 50, 100, 200]);
    const rnd = seededRandom(7);
    for (let retry = 1; retry <= 200; retry++) {
      const d = backoffDelay(make({ jitter: 'full', random: rnd }), retry, 0);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(10_000, 100 * 2 ** (retry - 1)));
    }
  });

  it('decorrelated jitter: min(cap, base + r × (3 × previous − base)), growing from the base', () => {
    // r = 0.5: 100 + 0.5 × (300 − 100) = 200; then 100 + 0.5 × (600 − 100) = 350; ...
    expect(series(make({ jitter: 'decorrelated' }), 4)).toEqual([200, 350, 575, 912.5]);
    expect(series(make({ jitter: 'decorrelated', random: () => 0 }), 3)).toEqual([100, 100, 100]);
    const rnd = seededRandom(3);
    let previous = 100;
    for (let retry = 1; retry <= 500; retry++) {
      const d = backoffDelay(make({ jitter: 'decorrelated', random: rnd }), retry, previous);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(Math.min(10_000, 3 * previous));
      previous = d;
    }
  });

  it('stays finite at attempt 10,000 for every backoff and jitter', () => {
    for (const kind of ['constant', 'linear', 'exponential'] as const) {
      for (const jitter of ['none', 'full', 'decorrelated'] as const) {
        const b = make({ kind, jitter, random: seededRandom(1) });
        for (const retry of [1_000, 10_000, 1e9, Number.MAX_SAFE_INTEGER]) {
          const d = backoffDelay(b, retry, 10_000);
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(10_000);
        }
      }
    }
  });

  it('never returns NaN or Infinity, whatever the inputs', () => {
    const odd: Partial<Backoff>[] = [
      { baseMs: 0 },
      { baseMs: Number.NaN },
      { maxMs: Number.POSITIVE_INFINITY },
      { maxMs: Number.NaN },
      { maxMs: 0 },
      { random: () => Number.NaN },
      { random: () => 1 },
      { random: () => -3 },
      { baseMs: Number.MAX_VALUE, maxMs: Number.MAX_VALUE },
    ];
    for (const o of odd) {
      for (const jitter of ['none', 'full', 'decorrelated'] as const) {
        for (const previous of [Number.NaN, Number.POSITIVE_INFINITY, 0, 100]) {
          const d = backoffDelay(make({ ...o, jitter }), 10_000, previous);
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it('never exceeds what a timer honours (2^31 − 1 ms), or Node would fire it at once', () => {
    const d = backoffDelay(make({ baseMs: 1e12, maxMs: 1e15 }), 3, 0);
    expect(d).toBe(2_147_483_647);
  });
});
