import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../../src/resilience/breaker/sliding-window.js';

describe('SlidingWindow', () => {
  it('counts calls, failures and slow calls', () => {
    const w = new SlidingWindow(10_000, 10, 0);
    w.record(0, false, false);
    w.record(10, true, false);
    w.record(20, true, true);
    expect({ calls: w.calls, failures: w.failures, slow: w.slow }).toEqual({ calls: 3, failures: 2, slow: 1 });
  });

  it('ages calls out one bucket at a time', () => {
    const w = new SlidingWindow(10_000, 10, 0); // 1 s buckets
    w.record(500, true, false); // bucket [0, 1000)
    w.record(1_500, false, false); // bucket [1000, 2000)
    w.advance(9_999);
    expect(w.calls).toBe(2);
    w.advance(10_000); // the first bucket ends its window
    expect({ calls: w.calls, failures: w.failures }).toEqual({ calls: 1, failures: 0 });
    w.advance(11_000);
    expect(w.calls).toBe(0);
  });

  it('forgets everything after an idle gap longer than the window', () => {
    const w = new SlidingWindow(10_000, 10, 0);
    for (let i = 0; i < 100; i++) w.record(i * 10, i % 2 === 0, false);
    w.record(1_000_000, false, false);
    expect({ calls: w.calls, failures: w.failures }).toEqual({ calls: 1, failures: 0 });
  });

  it('keeps exact running totals over many rotations', () => {
    const w = new SlidingWindow(1_000, 4, 0); // 250 ms buckets
    const log: { t: number; failed: boolean }[] = [];
    for (let t = 0; t < 20_000; t += 7) {
      const failed = t % 3 === 0;
      w.record(t, failed, false);
      log.push({ t, failed });
      if (t % 997 === 0) {
        // Brute force: calls in the buckets still in the window.
        const bucketStart = Math.floor(t / 250) * 250;
        const inWindow = log.filter((c) => c.t >= bucketStart - 750);
        expect(w.calls).toBe(inWindow.length);
        expect(w.failures).toBe(inWindow.filter((c) => c.failed).length);
      }
    }
  });

  it('holds 100,000 calls in the same fixed memory as 100', () => {
    const w = new SlidingWindow(60_000, 10, 0);
    for (let i = 0; i < 100_000; i++) w.record(i * 0.5, i % 10 === 0, false);
    expect(w.calls).toBe(100_000);
    expect(w.failures).toBe(10_000);
  });

  it('clear() forgets every call', () => {
    const w = new SlidingWindow(10_000, 10, 0);
    w.record(1, true, true);
    w.clear(5);
    expect({ calls: w.calls, failures: w.failures, slow: w.slow }).toEqual({ calls: 0, failures: 0, slow: 0 });
  });
});
