import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DashboardHub, chartPoint, type HubMessage } from '../../../src/http/dashboard/dashboard-hub.js';
import type { StatorEvent } from '../../../src/kernel/event-bus.js';
import type { MetricsSnapshot } from '../../../src/status/metrics/metrics-snapshot.js';

const event = (
  seq: number,
  source: string,
  type: string,
  state?: unknown,
  data?: Record<string, unknown>,
): StatorEvent => ({
  v: 1,
  seq,
  time: seq * 1000,
  source,
  type,
  ...(state !== undefined ? { state } : {}),
  ...(data ? { data } : {}),
});

const metrics = (time: number, utilization: number, p95: number | null): MetricsSnapshot => ({
  time,
  intervalMs: 1000,
  latency: [{ resource: 'cache', operation: 'get', count: 1, p50: p95 === null ? null : p95 / 2, p95, p99: p95 }],
  pools: [
    { resource: 'database', total: 4, idle: 2, busy: 2, pending: 0, utilization },
    { resource: 'other', total: 4, idle: 4, busy: 0, pending: 0, utilization: 0 },
  ],
  errors: { operations: 10, errors: 1, rate: 0.1, byKind: {}, byResource: [] },
  cache: { hits: 3, misses: 1, hitRatio: 0.75 },
  breakers: [],
  values: {},
});

describe('DashboardHub', () => {
  it('starts from the running actors at their current states, then follows their events', () => {
    const events$ = new Subject<StatorEvent>();
    const hub = new DashboardHub({
      events$,
      running: () => [
        event(1, 'breaker.cache', 'xstate.init', 'closed', { machine: 'circuitBreaker' }),
        event(2, 'odd', 'xstate.init', 'x'),
      ],
      states: () => new Map([['breaker.cache', 'open']]),
    });
    expect(hub.view().actors).toEqual([
      { source: 'breaker.cache', machine: 'circuitBreaker', state: 'open', time: 1000 },
    ]);

    const seen: HubMessage[] = [];
    hub.messages$.subscribe((m) => seen.push(m));
    events$.next(event(3, 'breaker.cache', 'xstate.after.resetTimeout', { halfOpen: 'probing' }));
    events$.next(event(4, 'pool.database/conn-1', 'xstate.init', 'creating', { machine: 'connection' }));
    events$.next(event(5, 'cache', 'retry.attempt')); // a signal: listed, no actor
    events$.next(event(6, 'pool.database/conn-1', 'xstate.stop', 'closed'));
    expect(hub.view().actors.map((a) => [a.source, a.state])).toEqual([['breaker.cache', { halfOpen: 'probing' }]]);
    expect(hub.view().events.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(seen.map((m) => m.kind)).toEqual(['event', 'event', 'event', 'event']);
    hub.close();
  });

  it('charts the worst pool and operation, and keeps only the last historyMs of points', () => {
    expect(chartPoint(metrics(0, 0.5, 0.2))).toEqual({
      time: 0,
      poolUse: 0.5,
      p50: 0.1,
      p95: 0.2,
      p99: 0.2,
      errorRate: 0.1,
      hitRatio: 0.75,
    });
    expect(chartPoint(metrics(0, 0.5, null))).toMatchObject({ p50: null, p95: null, p99: null });
    const metrics$ = new Subject<MetricsSnapshot>();
    const hub = new DashboardHub({ metrics$ }, 2500);
    for (const t of [0, 1000, 2000, 3000, 4000]) metrics$.next(metrics(t, t / 10_000, 0.1));
    expect(hub.view().points.map((p) => p.time)).toEqual([2000, 3000, 4000]);
    hub.close();
  });
});
