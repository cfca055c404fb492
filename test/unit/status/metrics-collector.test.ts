import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../src/kernel/clock.js';
import type { MetricsSnapshot } from '../../../src/status/metrics/metrics-snapshot.js';
import { MetricsCollector } from '../../../src/status/metrics/metrics-collector.js';

describe('MetricsCollector', () => {
  it('publishes one snapshot per interval on the clock and replays the latest to new subscribers', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const ops = new Counter({ name: 'stator_cache_operations_total', help: 'ops', registers: [registry] });
    const collector = new MetricsCollector({ registry, clock, intervalMs: 60_000 });
    const seen: MetricsSnapshot[] = [];
    collector.metrics$.subscribe((m) => seen.push(m));
    collector.start();
    ops.inc(5);
    await clock.advance(59_999);
    expect(seen).toHaveLength(0);
    await clock.advance(1);
    ops.inc(7);
    await clock.advance(60_000);
    expect(seen.map((m) => [m.time, m.errors.operations])).toEqual([
      [60_000, 5],
      [120_000, 7],
    ]);
    let replayed: MetricsSnapshot | undefined;
    collector.metrics$.subscribe((m) => (replayed = m)).unsubscribe();
    expect(replayed?.time).toBe(120_000);
    collector.stop();
    await clock.advance(600_000);
    expect(seen).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('keeps collecting after a collect() callback throws', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    let fail = true;
    new Counter({
      name: 'app_flaky_total',
      help: 'flaky',
      registers: [registry],
      collect() {
        if (fail) throw new Error('boom');
      },
    });
    const collector = new MetricsCollector({ registry, clock, intervalMs: 1000 });
    const seen: number[] = [];
    collector.metrics$.subscribe((m) => seen.push(m.time));
    collector.start();
    await clock.advance(1000);
    fail = false;
    await clock.advance(1000);
    expect(seen).toEqual([2000]);
    collector.stop();
  });
});
