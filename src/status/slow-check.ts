import type { RuntimeContext } from '../kernel/context.js';

/**
 * Runs one health check and logs it as slow when it took longer than `monitoring.slow_check`
 * seconds (default `performance_threshold`): a check that is slow is often the first sign of a
 * resource in trouble, long before it fails. The duration is measured with `performance.now()`
 * (real time, as the I/O it measures).
 */
export async function timedHealthCheck<T>(
  ctx: Pick<RuntimeContext, 'config' | 'logger'>,
  resource: string,
  check: () => Promise<T>,
): Promise<T> {
  const limit = (ctx.config.monitoring.slow_check ?? ctx.config.monitoring.performance_threshold) * 1000;
  const started = performance.now();
  try {
    return await check();
  } finally {
    const ms = performance.now() - started;
    if (ms > limit) {
      ctx.logger.warn(`resource ${resource}: slow health check (${Math.round(ms)} ms, limit ${Math.round(limit)} ms)`, {
        resource,
        durationMs: Math.round(ms),
        slowCheck: true,
      });
    }
  }
}
