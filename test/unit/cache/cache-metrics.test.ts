import { describe, expect, it } from 'vitest';
import { CacheMetrics, SAMPLE_EVERY, SampledTimer } from '../../../src/cache/cache-metrics.js';
import { DurationHistogram } from '../../../src/kernel/histogram.js';

describe('SampledTimer (the memory driver’s get and set)', () => {
  it('times the first call and one in SAMPLE_EVERY after it', () => {
    const timer = new SampledTimer(new DurationHistogram());
    const timed = Array.from({ length: SAMPLE_EVERY * 2 + 1 }, () => {
      const started = timer.start();
      timer.end(started);
      return started >= 0;
    });
    expect(timed.filter(Boolean)).toHaveLength(3);
    expect(timed[0]).toBe(true);
    expect(timed[SAMPLE_EVERY]).toBe(true);
    expect(timed[1]).toBe(false);
  });

  it('counts every call once the histogram is read, untimed ones with the latest timed duration', () => {
    const metrics = new CacheMetrics('memory');
    const calls = SAMPLE_EVERY + 5;
    for (let i = 0; i < calls; i++) metrics.syncGet.end(metrics.syncGet.start());
    metrics.syncSet.end(metrics.syncSet.start());
    const { get, set } = metrics.latency;
    expect(get.count).toBe(calls);
    expect(get.counts.reduce((a, b) => a + b, 0)).toBe(calls);
    expect(set.count).toBe(1);
    // Read again: nothing counted twice.
    expect(metrics.latency.get.count).toBe(calls);
  });
});
