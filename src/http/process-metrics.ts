import { collectDefaultMetrics, type Registry } from 'prom-client';

const collecting = new WeakSet<Registry>();

/**
 * Adds prom-client's default metrics (process CPU, memory, handles, event-loop lag, GC) to
 * `registry`, once per registry. They are read at scrape time; nothing runs between scrapes
 * except Node's event-loop delay histogram.
 */
export function collectProcessMetrics(registry: Registry): void {
  if (collecting.has(registry) || registry.getSingleMetric('process_cpu_user_seconds_total')) return;
  collecting.add(registry);
  collectDefaultMetrics({ register: registry });
  // Gauges named `_total`, which `promtool check metrics` refuses; their per-type twins
  // (`nodejs_active_handles{type}`, ...) carry the same figures.
  for (const name of MISNAMED) registry.removeSingleMetric(name);
}

const MISNAMED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
