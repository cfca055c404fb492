import type { Registry } from 'prom-client';

/** One sample of a registry, flattened: histogram buckets, sums and counts are series of their own. */
export interface Series {
  /** The metric family (`stator_db_query_duration_seconds`). */
  readonly family: string;
  /** The sample's own name (`..._bucket`, `..._sum`, `..._count` for histograms and summaries). */
  readonly name: string;
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * Reads every metric of `registry` (running the `collect()` callbacks the capabilities
 * registered) as flat series.
 */
export async function readSeries(registry: Registry): Promise<Series[]> {
  const families = await registry.getMetricsAsJSON();
  const out: Series[] = [];
  for (const family of families) {
    const type = String(family.type);
    for (const sample of family.values) {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(sample.labels)) if (v !== undefined) labels[k] = String(v);
      const name = (sample as { metricName?: string }).metricName ?? family.name;
      out.push({ family: family.name, name, type, labels, value: sample.value });
    }
  }
  return out;
}

/** The key of a series in {@link MetricsSnapshot.values}: `name` or `name{a="x",b="y"}`, labels sorted. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>, omit?: string): string {
  const keys = Object.keys(labels)
    .filter((k) => k !== omit)
    .sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}
