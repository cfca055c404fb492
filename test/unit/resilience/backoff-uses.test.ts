import { describe, expect, it } from 'vitest';
import { backoffDelay, type Backoff } from '../../../src/kernel/backoff.js';

// The transaction retry's back-off: exponential from retry_delay, capped at retry_max_delay, full jitter.
const txBackoff = (random: () => number): Backoff => ({
  kind: 'exponential',
  jitter: 'full',
  baseMs: 20,
  maxMs: 100,
  random,
});

describe('transaction retry back-off (kernel backoffDelay, full jitter)', () => {
  it('doubles up to the cap and draws below it', () => {
    const top = (): number => 0.9999999999;
    expect([1, 2, 3, 4, 10].map((n) => Math.round(backoffDelay(txBackoff(top), n, 0)))).toEqual([20, 40, 80, 100, 100]);
    expect(
      backoffDelay(
        txBackoff(() => 0),
        3,
        0,
      ),
    ).toBe(0);
    expect(
      backoffDelay(
        txBackoff(() => 0.5),
        3,
        0,
      ),
    ).toBe(40);
  });

  it('spread jitter stays within ±20% of the capped delay', () => {
    const b = (random: () => number): Backoff => ({
      kind: 'exponential',
      jitter: 'spread',
      baseMs: 100,
      maxMs: 1000,
      random,
    });
    expect(
      backoffDelay(
        b(() => 0),
        1,
        0,
      ),
    ).toBeCloseTo(80);
    expect(
      backoffDelay(
        b(() => 0.5),
        2,
        0,
      ),
    ).toBeCloseTo(200);
    expect(
      backoffDelay(
        b(() => 0.9999999999),
        10,
        0,
      ),
    ).toBeCloseTo(1200);
  });
});
