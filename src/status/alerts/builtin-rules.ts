import type { StatorConfig } from '../../config/schema.js';
import type { MetricsSnapshot } from '../metrics/metrics-snapshot.js';
import type { AlertRule } from './alert-rule.js';

type Monitoring = StatorConfig['monitoring'];

const maxOf = (xs: readonly number[]): number => xs.reduce((a, b) => (b > a ? b : a), 0);

/**
 * The three alerts every Stator has, on the `monitoring` thresholds:
 * - `pool_utilization`: the busiest pool's `busy / max` above `alert_threshold`;
 * - `error_rate`: errors / operations over the last interval above `error_threshold`;
 * - `latency_p95`: the slowest operation's p95 (seconds) above `performance_threshold`.
 *
 * Each resolves once its signal falls to `threshold × (1 − alert_hysteresis)` and stays there
 * for `alert_clear_hold` (default `alert_hold`). With no traffic in an interval, the error rate
 * and the latency read 0: nothing failed, nothing was slow.
 */
export function builtinRules(monitoring: Monitoring): AlertRule[] {
  const hold = monitoring.alert_hold;
  const clearHold = monitoring.alert_clear_hold ?? hold;
  const band = 1 - monitoring.alert_hysteresis;
  return [
    {
      name: 'pool_utilization',
      description: 'the busiest connection pool is nearly exhausted',
      severity: 'warning',
      select: (m: MetricsSnapshot) => (m.pools.length ? maxOf(m.pools.map((p) => p.utilization)) : undefined),
      threshold: monitoring.alert_threshold,
      clearThreshold: monitoring.alert_threshold * band,
      holdSeconds: hold,
      clearHoldSeconds: clearHold,
    },
    {
      name: 'error_rate',
      description: 'the share of failed operations is above error_threshold',
      severity: 'critical',
      select: (m: MetricsSnapshot) => m.errors.rate,
      threshold: monitoring.error_threshold,
      clearThreshold: monitoring.error_threshold * band,
      holdSeconds: hold,
      clearHoldSeconds: clearHold,
    },
    {
      name: 'latency_p95',
      description: "the slowest operation's p95 latency is above performance_threshold seconds",
      severity: 'warning',
      select: (m: MetricsSnapshot) => maxOf(m.latency.map((l) => l.p95 ?? 0)),
      threshold: monitoring.performance_threshold,
      clearThreshold: monitoring.performance_threshold * band,
      holdSeconds: hold,
      clearHoldSeconds: clearHold,
    },
  ];
}
