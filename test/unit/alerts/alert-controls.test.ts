import { describe, expect, it } from 'vitest';
import { isUnknownAlertRuleError } from '../../../src/errors/unknown-alert-rule-error.js';
import { createAlertManager } from '../../../src/status/alerts/create-alert-manager.js';
import type { AlertTransition } from '../../../src/status/alerts/alert-transition.js';
import { callbackNotifier } from '../../../src/status/alerts/notifiers/callback-notifier.js';
import { MetricsCollector } from '../../../src/status/metrics/metrics-collector.js';
import { testContext } from '../status/helpers/test-context.js';

const config = { monitoring: { metrics_interval: 10, alert_hold: 30, alert_threshold: 0.9, alert_hysteresis: 0.1 } };

/** A manager fed by a real collector over a pool whose utilization the test sets, on the test clock. */
function setup() {
  const t = testContext(config);
  const pool = { total: 10, idle: 10, busy: 0, pending: 0, max: 10 };
  const collector = new MetricsCollector({
    registry: t.ctx.metrics,
    clock: t.clock,
    intervalMs: 10_000,
    sources: () => [{ name: 'database', details: () => ({ pool: { ...pool } }) }],
  });
  const notified: AlertTransition[] = [];
  const manager = createAlertManager(t.ctx, { notifiers: [callbackNotifier((x) => void notified.push(x))] });
  const published: AlertTransition[] = [];
  manager.alerts$.subscribe((x) => published.push(x));
  manager.watch(collector.metrics$);
  collector.start();
  const setBusy = (busy: number): void => {
    pool.busy = busy;
    pool.idle = 10 - busy;
  };
  const pool_utilization = () => manager.states().find((a) => a.rule === 'pool_utilization');
  return {
    ...t,
    manager,
    notified,
    published,
    setBusy,
    pool_utilization,
    stop: () => (collector.stop(), manager.stop()),
  };
}

describe('alert controls (simulated clock)', () => {
  it('acknowledges a firing alert: still firing, shown as acknowledged, until it resolves', async () => {
    const s = setup();
    expect(s.manager.acknowledge('pool_utilization', 'alice')).toBe(false); // not firing
    s.setBusy(10);
    await s.clock.advance(40_000);
    expect(s.pool_utilization()).toMatchObject({ status: 'firing' });
    expect(s.manager.acknowledge('pool_utilization', 'alice')).toBe(true);
    expect(s.pool_utilization()).toMatchObject({ status: 'firing', acknowledged: true, acknowledgedBy: 'alice' });
    expect(s.manager.open()).toEqual([expect.objectContaining({ rule: 'pool_utilization', acknowledged: true })]);
    expect(s.manager.acknowledge('pool_utilization')).toBe(false); // already
    s.setBusy(2);
    await s.clock.advance(40_000);
    expect(s.pool_utilization()).toMatchObject({ status: 'resolved' });
    expect(s.pool_utilization()?.acknowledged).toBeUndefined();
    expect(s.notified.map((x) => x.to)).toEqual(['firing', 'resolved']);
    expect(s.events.some((e) => e.source === 'alert.pool_utilization' && e.type === 'ACKNOWLEDGE')).toBe(true);
    await s.stop();
  });

  it('clears a firing alert at once; a signal still over the threshold fires it again after a full hold', async () => {
    const s = setup();
    s.setBusy(10);
    await s.clock.advance(40_000);
    expect(s.manager.clear('pool_utilization')).toBe(true);
    expect(s.pool_utilization()).toMatchObject({ status: 'resolved' });
    expect(s.manager.clear('pool_utilization')).toBe(false);
    await s.clock.advance(10_000);
    expect(s.pool_utilization()).toMatchObject({ status: 'pending' });
    await s.clock.advance(30_000);
    expect(s.pool_utilization()).toMatchObject({ status: 'firing' });
    expect(s.notified.map((x) => x.to)).toEqual(['firing', 'resolved', 'firing']);
    await s.stop();
  });

  it('silences: the alert fires and shows, no notifier hears it; when the silence expires a still-firing alert is notified once', async () => {
    const s = setup();
    expect(s.manager.silence({ rule: /^pool_/ }, 120)).toEqual(['pool_utilization']);
    expect(s.pool_utilization()?.silencedUntil).toBe(s.clock.now() + 120_000);
    s.setBusy(10);
    await s.clock.advance(40_000);
    expect(s.pool_utilization()).toMatchObject({ status: 'firing' });
    expect(s.published.map((x) => [x.to, x.silenced])).toEqual([
      ['pending', true],
      ['firing', true],
    ]);
    expect(s.notified).toEqual([]);
    expect(s.lines.some((l) => l.alert === 'pool_utilization' && l.to === 'firing')).toBe(false); // the log notifier is silent too
    await s.clock.advance(70_000);
    expect(s.notified).toEqual([]);
    await s.clock.advance(10_000); // 120 s after the silence began
    expect(s.pool_utilization()?.silencedUntil).toBeUndefined();
    expect(s.notified.map((x) => [x.to, x.silenced])).toEqual([['firing', undefined]]);
    await s.stop();
  });

  it('a silence that ends after the alert resolved tells no one; unsilence ends it early; bad input is refused', async () => {
    const s = setup();
    s.manager.silence('pool_utilization', 3600);
    s.setBusy(10);
    await s.clock.advance(40_000);
    s.setBusy(1);
    await s.clock.advance(40_000);
    expect(s.pool_utilization()).toMatchObject({ status: 'resolved' });
    expect(s.manager.unsilence({ severity: 'warning' })).toEqual(['pool_utilization']);
    await s.clock.advance(10_000);
    expect(s.notified).toEqual([]);
    expect(() => s.manager.silence('pool_utilisation', 60)).toThrow(
      /no alert rule "pool_utilisation".*pool_utilization/,
    );
    let unknown: unknown;
    try {
      s.manager.clear('nope');
    } catch (e) {
      unknown = e;
    }
    expect(isUnknownAlertRuleError(unknown)).toBe(true);
    expect(() => s.manager.silence('pool_utilization', 0)).toThrow(RangeError);
    expect(s.manager.silence((a) => a.severity === 'critical', 60)).toEqual(['error_rate']); // a predicate over each alert's state
    await s.stop();
  });
});
