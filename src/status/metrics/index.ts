// Metrics: the registry read every monitoring.metrics_interval into snapshots on metrics$.
export { MetricsCollector, type MetricsCollectorOptions } from './metrics-collector.js';
export { SnapshotBuilder } from './snapshot-builder.js';
export { readSeries, seriesKey, type Series } from './series.js';
export { histogramQuantile, type Bucket } from './histogram-quantile.js';
export { poolFromDetails, breakersFromDetails, type DetailsSource } from './details-reader.js';
export type {
  MetricsSnapshot,
  LatencyStats,
  PoolStats,
  ErrorStats,
  ResourceErrorStats,
  CacheStats,
  BreakerStats,
  BreakerState,
} from './metrics-snapshot.js';
