import { z } from 'zod';
import { seconds } from './common.js';

/**
 * `shutdown:` — graceful shutdown on SIGTERM/SIGINT (`stator start`, or `stator.shutdown()`):
 * readiness fails first, then after `drain_delay` (time for load balancers to notice) in-flight
 * work drains for up to `drain_timeout` while new transactions are refused, then resources stop
 * in reverse dependency order (each within `supervisor.stop_timeout`).
 */
export const shutdownSection = z.strictObject({
  /** Seconds between failing readiness and starting to drain. */
  drain_delay: seconds().default(5),
  /** Seconds in-flight work gets to finish before resources are stopped anyway. */
  drain_timeout: seconds().default(30),
  /** Signals that start a graceful shutdown under `stator start`. */
  signals: z.array(z.enum(['SIGTERM', 'SIGINT', 'SIGHUP'])).default(['SIGTERM', 'SIGINT']),
});
