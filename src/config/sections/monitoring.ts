import { z } from 'zod';
import { ratio, seconds } from './common.js';

/** `monitoring:` — metrics cadence and alert thresholds. */
export const monitoringSection = z.strictObject({
  /** Seconds between metric snapshots on `metrics$`. */
  metrics_interval: seconds().default(60),
  /** Pool utilization (0..1) above which the pool alert fires. */
  alert_threshold: ratio().default(0.9),
  /** Error rate (0..1) above which the error alert fires. */
  error_threshold: ratio().default(0.1),
  /** p95 latency in seconds above which the performance alert fires; also the slow-query threshold. */
  performance_threshold: seconds().default(1.0),
  /** Seconds a threshold must stay crossed before its alert fires. */
  alert_hold: seconds().default(60),
  /** Seconds between health checks of each resource. */
  health_interval: seconds().default(10),
});
