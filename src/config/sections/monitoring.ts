import { z } from 'zod';
import { count, ratio, seconds } from './common.js';

/**
 * `monitoring.rules[]` — a user-defined alert over any metric of the registry. The signal is the
 * metric's samples whose labels match `labels`, combined by `aggregate`; with `rate: true`, their
 * increase per second over the last metrics interval (for counters).
 */
export const alertRuleSection = z.strictObject({
  /** The alert's name, in `alerts$`, `/status` and the event log (`alert.<name>`). */
  name: z.string().regex(/^[A-Za-z_][\w.-]*$/, { error: 'expected a name of letters, digits, _ . -' }),
  /** Metric name as registered (`stator_db_pool_pending_acquires`), or a sample name (`..._count`). */
  metric: z.string().min(1),
  /** Only samples with these label values. */
  labels: z.record(z.string(), z.string()).optional(),
  aggregate: z.enum(['max', 'min', 'sum', 'avg']).default('max'),
  rate: z.boolean().default(false),
  threshold: z.number().finite(),
  /** Value the signal must come back to before a firing alert resolves. Default: `threshold`. */
  clear_threshold: z.number().finite().optional(),
  /** `above`: the alert fires when the value goes above the threshold; `below`: under it. */
  direction: z.enum(['above', 'below']).default('above'),
  /** Seconds the threshold must stay crossed before firing. Default: `monitoring.alert_hold`. */
  hold: seconds().optional(),
  /** Seconds the value must stay clear before resolving. Default: `monitoring.alert_clear_hold`. */
  clear_hold: seconds().optional(),
  severity: z.enum(['warning', 'critical']).default('warning'),
  description: z.string().optional(),
});

/** `monitoring.webhooks[]` — where alert transitions are POSTed (JSON). */
export const webhookSection = z.strictObject({
  /** Treated as a secret (it often carries a token): never logged. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  /** Extra request headers (an `Authorization` header is treated as a secret). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Seconds before one delivery attempt gives up. */
  timeout: seconds().default(5),
  /** Attempts after the first failed one. */
  retry_attempts: count(0).default(3),
  /** Seconds before the first retry; doubled at each retry. */
  retry_delay: seconds().default(1),
  /** Which transitions are sent. */
  on: z.array(z.enum(['pending', 'firing', 'resolved', 'ok'])).default(['firing', 'resolved']),
});

/** `monitoring:` — metrics cadence and alert thresholds. */
export const monitoringSection = z.strictObject({
  /** Seconds between metric snapshots on `metrics$` (alerts are evaluated on each). */
  metrics_interval: seconds().default(60),
  /** Pool utilization (0..1) above which the pool alert fires. */
  alert_threshold: ratio().default(0.9),
  /** Error rate (0..1) above which the error alert fires. */
  error_threshold: ratio().default(0.1),
  /** p95 latency in seconds above which the performance alert fires; also the slow-query threshold. */
  performance_threshold: seconds().default(1.0),
  /** Seconds a threshold must stay crossed before its alert fires. */
  alert_hold: seconds().default(60),
  /** Seconds a firing alert's signal must stay clear before it resolves. Default: `alert_hold`. */
  alert_clear_hold: seconds().optional(),
  /**
   * Hysteresis of the built-in alerts, as a fraction of the threshold: once firing, the signal
   * must fall to `threshold × (1 − alert_hysteresis)` to resolve (0.9 utilization → 0.81).
   */
  alert_hysteresis: ratio().default(0.1),
  /** Seconds between health checks of each resource. */
  health_interval: seconds().default(10),
  /** Seconds after which a health check is logged as slow. Default: `performance_threshold`. */
  slow_check: seconds().optional(),
  /** User-defined alerts over any metric. */
  rules: z.array(alertRuleSection).default([]),
  /** Alert webhooks. */
  webhooks: z.array(webhookSection).default([]),
});
