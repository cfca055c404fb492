import { Counter, Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createAlertManager } from '../../../src/status/alerts/create-alert-manager.js';
import type { AlertTransition } from '../../../src/status/alerts/alert-transition.js';
import { callbackNotifier } from '../../../src/status/alerts/notifiers/callback-notifier.js';
import { MetricsCollector } from '../../../src/status/metrics/metrics-collector.js';
import { testContext } from '../status/helpers/test-context.js';

const config = { monitoring: { metrics_interval: 10, alert_hold: 30, alert_threshold: 0.9, alert_hysteresis: 0.1 } };

function setup(extra: Parameters<typeof testContext>[0] = {}) {
  const t = testContext({ ...config, ...extra, monitoring: { ...config.monitoring, ...(extra.monitoring ?? {}) } });
  const pool = { total: 10, idle: 10, busy: 0, pending: 0, max: 10 };
  const collector = new MetricsCollector({
    registry: t.ctx.metrics,
    clock: t.clock,
    intervalMs: t.ctx.config.monitoring.metrics_interval * 1000,
    sources: () => [{ name: 'database', details: () => ({ pool: { ...pool } }) }],
  });
  const called: AlertTransition[] = [];
  const manager = createAlertManager(t.ctx, { notifiers: [callbackNotifier((x) => void called.push(x))] });
  const seen: AlertTransition[] = [];
  manager.alerts$.subscribe((x) => seen.push(x));
  manager.watch(collector.metrics$);
  collector.start();
  const setBusy = (busy: number): void => {
    pool.busy = busy;
    pool.idle = 10 - busy;
  };
  return { ...t, collector, manager, seen, called, setBusy };
}

describe('alert manager', () => {
  it('runs the built-in rules on each metrics snapshot and reports transitions in order', async () => {
    const s = setup();
    expect(s.manager.states().map((a) => a.rule)).toEqual(['pool_utilization', 'error_rate', 'latency_p95']);
    s.setBusy(10);
    await s.clock.advance(10_000); // first snapshot: pending
    expect(s.manager.open()).toEqual([
      expect.objectContaining({ rule: 'pool_utilization', status: 'pending', value: 1 }),
    ]);
    await s.clock.advance(30_000); // held for alert_hold: firing
    s.setBusy(5);
    await s.clock.advance(10_000); // clear → clearing
    await s.clock.advance(30_000); // clear hold elapsed
    expect(s.seen.map((x) => `${x.rule}:${x.from}->${x.to}`)).toEqual([
      'pool_utilization:ok->pending',
      'pool_utilization:pending->firing',
      'pool_utilization:firing->resolved',
    ]);
    expect(s.seen[1]).toMatchObject({ threshold: 0.9, value: 1, severity: 'warning', time: 1_000_000 + 40_000 });
    // The callback notifier gets firing and resolved only.
    expect(s.called.map((x) => x.to)).toEqual(['firing', 'resolved']);
    // In the log, and on the event log as alert.<rule>.
    const logged = s.lines.filter((l) => l.alert === 'pool_utilization').map((l) => [l.level, l.to]);
    expect(logged).toEqual([
      ['info', 'pending'],
      ['warn', 'firing'],
      ['info', 'resolved'],
    ]);
    expect(s.events.some((e) => e.source === 'alert.pool_utilization' && e.type === 'SAMPLE')).toBe(true);
    await s.manager.stop();
  });

  it('holds the alert between the clear and the fire thresholds', async () => {
    const s = setup();
    s.setBusy(10);
    await s.clock.advance(40_000);
    s.setBusy(9); // 0.9: not above the threshold, not under the clear threshold (0.81)
    await s.clock.advance(300_000);
    expect(s.manager.open()).toEqual([expect.objectContaining({ rule: 'pool_utilization', status: 'firing' })]);
    await s.manager.stop();
  });

  it('evaluates user rules from monitoring.rules over any metric, including rates', async () => {
    const s = setup({
      monitoring: {
        rules: [
          { name: 'mail_queue', metric: 'app_queue_depth', labels: { queue: 'mail' }, threshold: 100, hold: 0 },
          {
            name: 'job_failures',
            metric: 'app_job_failures_total',
            rate: true,
            threshold: 1,
            hold: 0,
            severity: 'critical',
          },
        ],
      },
    });
    const depth = new Gauge({ name: 'app_queue_depth', help: 'q', labelNames: ['queue'], registers: [s.ctx.metrics] });
    const failures = new Counter({ name: 'app_job_failures_total', help: 'f', registers: [s.ctx.metrics] });
    depth.set({ queue: 'mail' }, 500);
    depth.set({ queue: 'sms' }, 1);
    await s.clock.advance(10_000);
    failures.inc(50); // 5/s over the next 10 s interval
    await s.clock.advance(10_000);
    await s.clock.advance(1);
    const firing = s.manager
      .open()
      .filter((a) => a.status === 'firing')
      .map((a) => [a.rule, a.severity]);
    expect(firing).toEqual([
      ['mail_queue', 'warning'],
      ['job_failures', 'critical'],
    ]);
    await s.manager.stop();
  });

  it('keeps alerting when a notifier fails, and logs the failure', async () => {
    const s = testContext(config);
    const manager = createAlertManager(s.ctx, {
      builtinRules: false,
      rules: [{ name: 'always', select: () => 1, threshold: 0, holdSeconds: 0 }],
      notifiers: [callbackNotifier(() => Promise.reject(new Error('receiver down')))],
    });
    const seen: string[] = [];
    manager.alerts$.subscribe((x) => seen.push(x.to));
    manager.evaluate({
      time: 0,
      intervalMs: 0,
      latency: [],
      pools: [],
      errors: { operations: 0, errors: 0, rate: 0, byKind: {}, byResource: [] },
      cache: { hits: 0, misses: 0, hitRatio: null },
      breakers: [],
      values: {},
    });
    await s.clock.advance(1);
    expect(seen).toEqual(['pending', 'firing']);
    expect(s.lines.some((l) => String(l.message).includes('alert notifier callback failed'))).toBe(true);
    await manager.stop();
  });

  it('exposes stator_alert_state on the registry', async () => {
    const s = setup();
    s.setBusy(10);
    await s.clock.advance(40_000);
    const text = await s.ctx.metrics.metrics();
    expect(text).toContain('stator_alert_state{alert="pool_utilization"} 2');
    expect(text).toContain('stator_alert_state{alert="error_rate"} 0');
    await s.manager.stop();
  });

  it('refuses two rules with one name', () => {
    const s = testContext(config);
    expect(() =>
      createAlertManager(s.ctx, { rules: [{ name: 'error_rate', select: () => 0, threshold: 1, holdSeconds: 1 }] }),
    ).toThrow(/named "error_rate"/);
  });
});
