import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { LayerHealth, ResourceLayer } from '../../../src/kernel/layer.js';
import type { AlertTransition } from '../../../src/status/alerts/alert-transition.js';
import { callbackNotifier } from '../../../src/status/alerts/notifiers/callback-notifier.js';
import type { StatusSnapshot } from '../../../src/status/status-manager.js';

/** A resource whose health and pool the test sets, and which records refuse/drain calls. */
function storeLayer() {
  const health = new Subject<LayerHealth>();
  const pool = { total: 4, idle: 4, busy: 0, pending: 0, max: 4 };
  const calls: string[] = [];
  let down: Error | undefined;
  const layer: ResourceLayer & { refuseNew(reason: string): void; drain(signal: AbortSignal): Promise<void> } = {
    name: 'store',
    start: () => Promise.resolve(),
    check: () => Promise.resolve<LayerHealth>(down ? { status: 'down', error: down } : { status: 'up' }),
    stop: () => {
      calls.push('stop');
      return Promise.resolve();
    },
    health$: health.asObservable(),
    details: () => ({ pool: { ...pool } }),
    refuseNew: (reason) => void calls.push(`refuse: ${reason}`),
    drain: () => {
      calls.push('drain');
      return Promise.resolve();
    },
  };
  return {
    layer,
    pool,
    calls,
    fail: (error: Error) => {
      down = error;
      health.next({ status: 'down', error });
    },
    recover: () => {
      down = undefined;
      health.next({ status: 'up' });
    },
  };
}

function setup() {
  const clock = new TestClock();
  const store = storeLayer();
  const stator = createStator({
    clock,
    logger: createLogger({ silent: true }),
    config: {
      monitoring: { metrics_interval: 10, alert_hold: 20, health_interval: 5 },
      shutdown: { drain_delay: 3, drain_timeout: 10 },
    },
    layers: { cache: false, filesystem: false, database: false, store: () => store.layer },
  });
  const snapshots: StatusSnapshot[] = [];
  stator.status$.subscribe((s) => snapshots.push(s));
  const alerts: AlertTransition[] = [];
  stator.alerts$.subscribe((a) => alerts.push(a));
  return { clock, store, stator, snapshots, alerts };
}

async function shutdown(s: ReturnType<typeof setup>): Promise<void> {
  const done = s.stator.shutdown();
  await s.clock.advance(20_000);
  await done;
}

describe("a Stator's observability", () => {
  it('reports readiness in status and turns not ready, with the reason, while a required resource is down', async () => {
    const s = setup();
    const started = s.stator.start();
    await s.clock.advance(1);
    await started;
    expect(s.stator.readiness()).toEqual({ ready: true });
    expect(s.snapshots.at(-1)?.readiness).toEqual({ ready: true });

    s.store.fail(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6401'), { code: 'ECONNREFUSED' }));
    await s.clock.advance(1);
    const readiness = s.stator.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.reason).toMatch(/^store is (recovering|initializing)/);
    expect(readiness.reason).toContain('ECONNREFUSED');

    s.store.recover();
    for (let i = 0; i < 100 && !s.stator.readiness().ready; i++) await s.clock.advance(1000);
    expect(s.stator.readiness()).toEqual({ ready: true });
    // The status stream carried the transitions, in order.
    const readySeq = s.snapshots.map((x) => x.readiness?.ready).filter((r, i, a) => r !== a[i - 1]);
    expect(readySeq).toEqual([false, true, false, true]);
    await shutdown(s);
  });

  it('publishes metric snapshots, fires the pool alert and puts the pool and open alerts in status', async () => {
    const s = setup();
    const started = s.stator.start();
    await s.clock.advance(1);
    await started;
    const metrics: number[] = [];
    s.stator.metrics$.subscribe((m) => metrics.push(m.time));
    s.store.pool.busy = 4;
    s.store.pool.idle = 0;
    await s.clock.advance(10_000); // snapshot → pending
    await s.clock.advance(20_000); // held → firing
    expect(metrics.length).toBeGreaterThanOrEqual(3);
    expect(s.alerts.map((a) => `${a.rule}:${a.to}`)).toEqual(['pool_utilization:pending', 'pool_utilization:firing']);
    const last = s.snapshots.at(-1);
    expect(last?.alerts).toEqual([expect.objectContaining({ rule: 'pool_utilization', status: 'firing' })]);
    expect(last?.resources.store?.pool).toMatchObject({ busy: 4, utilization: 1 });
    await shutdown(s);
  });

  it('stator.alerts: a silenced firing alert stays on status$, an acknowledgement shows there, a clear resolves it', async () => {
    const s = setup();
    const started = s.stator.start();
    await s.clock.advance(1);
    await started;
    expect(s.stator.alerts.silence('pool_utilization', 600)).toEqual(['pool_utilization']);
    s.store.pool.busy = 4;
    s.store.pool.idle = 0;
    await s.clock.advance(30_000);
    expect(s.snapshots.at(-1)?.alerts).toEqual([
      expect.objectContaining({
        rule: 'pool_utilization',
        status: 'firing',
        silencedUntil: expect.any(Number) as number,
      }),
    ]);
    expect(s.alerts.every((a) => a.silenced === true)).toBe(true);
    expect(s.stator.alerts.acknowledge('pool_utilization', 'ops')).toBe(true);
    await s.clock.advance(0);
    expect(s.snapshots.at(-1)?.alerts).toEqual([
      expect.objectContaining({ status: 'firing', acknowledged: true, acknowledgedBy: 'ops' }),
    ]);
    expect(s.stator.alerts.clear('pool_utilization')).toBe(true);
    await s.clock.advance(0);
    expect(s.snapshots.at(-1)?.alerts).toEqual([]);
    await shutdown(s);
  });

  it('shuts down gracefully: readiness fails first, then refuse and drain, then stop', async () => {
    const s = setup();
    const started = s.stator.start();
    await s.clock.advance(1);
    await started;
    const done = s.stator.shutdown();
    await s.clock.advance(0);
    expect(s.stator.readiness()).toMatchObject({ ready: false, reason: 'shutting down: draining in-flight work' });
    expect(s.snapshots.at(-1)?.readiness?.ready).toBe(false);
    expect(s.snapshots.at(-1)?.status).toBe('up'); // still serving in-flight work
    expect(s.store.calls).toEqual([]);
    await s.clock.advance(3000);
    await s.clock.advance(1000);
    const report = await done;
    expect(s.store.calls).toEqual(['refuse: the service is shutting down', 'drain', 'stop']);
    expect(report).toMatchObject({ drained: true, stop: { clean: true, order: ['store'] } });
    expect(s.stator.shutdown()).toBe(done);
  });

  it('takes alert rules, notifiers and an aggregation policy from createStator', async () => {
    const clock = new TestClock();
    const store = storeLayer();
    const called: string[] = [];
    const stator = createStator({
      clock,
      logger: createLogger({ silent: true }),
      config: { monitoring: { metrics_interval: 10, health_interval: 5 }, shutdown: { drain_delay: 0 } },
      layers: { cache: false, filesystem: false, database: false, store: () => store.layer },
      alerts: {
        builtinRules: false,
        rules: [{ name: 'pool_waiters', select: (m) => m.pools[0]?.pending, threshold: 2, holdSeconds: 0 }],
        notifiers: [callbackNotifier((t) => void called.push(`${t.rule}:${t.to}`))],
      },
      aggregate: (phase) => (phase === 'running' ? 'degraded' : 'down'),
    });
    const started = stator.start();
    await clock.advance(1);
    await started;
    expect(stator.health().status).toBe('degraded');
    store.pool.pending = 5;
    await clock.advance(10_000);
    await clock.advance(1);
    expect(called).toEqual(['pool_waiters:firing']);
    const done = stator.shutdown();
    await clock.advance(20_000);
    await done;
  });
});
