import type { AlertDirection } from '../../../machines/alert.machine.js';
import type { MetricsSnapshot } from '../metrics/metrics-snapshot.js';

/** How urgent an alert is; notifiers may route on it. */
export type AlertSeverity = 'warning' | 'critical';

/**
 * One alert: a signal read from each metrics snapshot, and the thresholds and holds of its
 * alert machine. The built-in rules come from `monitoring` (see `builtin-rules.ts`); user rules
 * come from `monitoring.rules` or are passed in code.
 *
 * @example
 * ```ts
 * const pendingAcquires: AlertRule = {
 *   name: 'pool_waiters',
 *   select: (m) => Math.max(0, ...m.pools.map((p) => p.pending)),
 *   threshold: 5,
 *   clearThreshold: 1,
 *   holdSeconds: 30,
 * };
 * ```
 */
export interface AlertRule {
  /** Unique name (`pool_utilization`); the event log source is `alert.<name>`. */
  readonly name: string;
  readonly description?: string;
  readonly severity?: AlertSeverity;
  /**
   * Reads the signal from a snapshot (`previous` is the snapshot before, for rates). `undefined`
   * means no data: the alert keeps its state.
   */
  select(snapshot: MetricsSnapshot, previous: MetricsSnapshot | undefined): number | undefined;
  readonly threshold: number;
  /** Where a firing alert's signal must come back to before it resolves. Default `threshold`. */
  readonly clearThreshold?: number;
  /** Default `above`. */
  readonly direction?: AlertDirection;
  /** Seconds the threshold must stay crossed before firing. */
  readonly holdSeconds: number;
  /** Seconds the signal must stay clear before resolving. Default `holdSeconds`. */
  readonly clearHoldSeconds?: number;
}
