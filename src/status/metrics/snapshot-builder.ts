import { breakersFromDetails, poolFromDetails, poolStats, type DetailsSource } from './details-reader.js';
import { histogramQuantile, type Bucket } from './histogram-quantile.js';
import {
  breakerStateOf,
  cacheResultOf,
  errorKindOf,
  familyRank,
  isErrorCounter,
  isLatency,
  isOperationCounter,
  operationOf,
  poolFieldOf,
  resourceOf,
  type PoolField,
} from './metric-conventions.js';
import type {
  BreakerStats,
  ErrorStats,
  LatencyStats,
  MetricsSnapshot,
  PoolStats,
  ResourceErrorStats,
} from './metrics-snapshot.js';
import { seriesKey, type Series } from './series.js';

interface LatencyGroup {
  resource: string;
  operation: string;
  count: number;
  buckets: Map<number, number>;
  quantiles: Map<number, number>;
}

/**
 * Turns successive reads of the registry into {@link MetricsSnapshot}s. Counters and histograms
 * are cumulative in prom-client, so it remembers the previous read and reports the difference:
 * rates and percentiles describe the last interval, not the whole life of the process.
 */
export class SnapshotBuilder {
  private readonly previous = new Map<string, number>();
  private lastTime: number;

  public constructor(startTime: number) {
    this.lastTime = startTime;
  }

  /** Builds the snapshot for `time` from a fresh read and the sources' `details()`. */
  public build(series: readonly Series[], sources: Iterable<DetailsSource>, time: number): MetricsSnapshot {
    const intervalMs = Math.max(0, time - this.lastTime);
    this.lastTime = time;
    const read = this.readSeries(series);
    const details = readDetails(sources);
    return {
      time,
      intervalMs,
      latency: [...read.latency.values()].map(toLatencyStats),
      pools: [...assemblePools(read.poolGauges, details).values()],
      errors: errorStats(read.opsCounted, read.latencyOpsByResource, read.errorsCounted),
      cache: { hits: read.hits, misses: read.misses, hitRatio: hitRatio(read.hits, read.misses) },
      breakers: [...breakersOf(read.breakers, details).values()],
      values: read.values,
    };
  }

  /** One pass over the registry's series: what changed since the previous read, by kind of metric. */
  private readSeries(series: readonly Series[]): SeriesRead {
    const read: SeriesRead = {
      latency: new Map(),
      opsCounted: new Map(),
      latencyOpsByResource: new Map(),
      errorsCounted: new Map(),
      poolGauges: new Map(),
      breakers: new Map(),
      values: {},
      hits: 0,
      misses: 0,
    };
    for (const s of series) {
      const key = seriesKey(s.name, s.labels);
      if (!s.name.endsWith('_bucket')) read.values[key] = s.value;
      const resource = resourceOf(s);
      if (isLatency(s)) this.readLatency(read, s, key, resource);
      else if (isOperationCounter(s)) count(read.opsCounted, resource, s.family, this.delta(key, s.value));
      else if (isErrorCounter(s))
        count(read.errorsCounted, resource, s.family, this.delta(key, s.value), errorKindOf(s));
      const cache = cacheResultOf(s);
      if (cache === 'hit') read.hits += this.delta(`${key}#cache`, s.value);
      else if (cache === 'miss') read.misses += this.delta(`${key}#cache`, s.value);
      const field = poolFieldOf(s);
      if (field) {
        const g = read.poolGauges.get(resource) ?? {};
        g[field] = (g[field] ?? 0) + s.value;
        read.poolGauges.set(resource, g);
      }
      const breaker = breakerStateOf(s);
      if (breaker) {
        const name = s.labels.breaker ?? s.labels.name ?? resource;
        read.breakers.set(name, { name, state: breaker });
      }
    }
    return read;
  }

  /** A latency series: a histogram bucket or count (as differences), or a summary quantile. */
  private readLatency(read: SeriesRead, s: Series, key: string, resource: string): void {
    const group = latencyGroup(read.latency, resource, operationOf(s));
    if (s.name.endsWith('_bucket')) {
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      group.buckets.set(le, (group.buckets.get(le) ?? 0) + this.delta(key, s.value));
    } else if (s.name.endsWith('_count')) {
      const d = this.delta(key, s.value);
      group.count += d;
      add(read.latencyOpsByResource, resource, d);
    } else if (s.labels.quantile !== undefined && Number.isFinite(s.value)) {
      const q = Number(s.labels.quantile);
      group.quantiles.set(q, Math.max(group.quantiles.get(q) ?? 0, s.value));
    }
  }

  private delta(key: string, value: number): number {
    const before = this.previous.get(key) ?? 0;
    this.previous.set(key, value);
    // A counter that went down was reset (a registry cleared, a layer restarted): count from 0.
    return value >= before ? value - before : value;
  }
}

/** What one pass over the series found. */
interface SeriesRead {
  readonly latency: Map<string, LatencyGroup>;
  readonly opsCounted: Map<string, Map<string, Counted>>;
  readonly latencyOpsByResource: Map<string, number>;
  readonly errorsCounted: Map<string, Map<string, Counted>>;
  readonly poolGauges: Map<string, Partial<Record<PoolField, number>>>;
  readonly breakers: Map<string, BreakerStats>;
  readonly values: Record<string, number>;
  hits: number;
  misses: number;
}

type Details = { name: string; details: Readonly<Record<string, unknown>> }[];

/** The sources' `details()`; a layer whose details() throws must not stop the metrics. */
function readDetails(sources: Iterable<DetailsSource>): Details {
  return [...sources].flatMap((s) => {
    try {
      const d = s.details?.();
      return d ? [{ name: s.name, details: d }] : [];
    } catch {
      return [];
    }
  });
}

/** Pools from the pool gauges, then from the layers' details (which win). */
function assemblePools(poolGauges: SeriesRead['poolGauges'], details: Details): Map<string, PoolStats> {
  const pools = new Map<string, PoolStats>();
  for (const [resource, g] of poolGauges) {
    const busy = g.busy ?? Math.max(0, (g.total ?? 0) - (g.idle ?? 0));
    const total = g.total ?? (g.idle ?? 0) + busy + (g.other ?? 0);
    pools.set(resource, poolStats(resource, total, g.idle ?? Math.max(0, total - busy), busy, g.pending ?? 0, g.max));
  }
  for (const { name, details: d } of details) {
    const pool = poolFromDetails(name, d);
    if (pool) pools.set(name, pool);
  }
  return pools;
}

/** Breakers from the state gauges, then from the layers' details (which win). */
function breakersOf(breakers: Map<string, BreakerStats>, details: Details): Map<string, BreakerStats> {
  for (const { name, details: d } of details) for (const b of breakersFromDetails(name, d)) breakers.set(b.name, b);
  return breakers;
}

const hitRatio = (hits: number, misses: number): number | null => (hits + misses > 0 ? hits / (hits + misses) : null);

/**
 * A resource's error rate is errors over operations of ONE population: the counters of one
 * capability (`stator_database_*`: queries and query errors) or of the resilience pipeline
 * (`stator_resilience_*`: the calls it ran and their failures), never the operations of one
 * with the errors of the other. The population that counted the most operations is used;
 * without operation counters, the latency observations count the operations.
 */
function errorStats(
  opsCounted: SeriesRead['opsCounted'],
  latencyOpsByResource: SeriesRead['latencyOpsByResource'],
  errorsCounted: SeriesRead['errorsCounted'],
): ErrorStats {
  const opsByResource = new Map<string, number>();
  const populationOf = new Map<string, string>();
  for (const [resource, families] of opsCounted) {
    const chosen = pick(families);
    opsByResource.set(resource, chosen.n);
    populationOf.set(resource, population(chosen.family));
  }
  for (const [resource, n] of latencyOpsByResource) if (!opsByResource.has(resource)) opsByResource.set(resource, n);
  const byKind: Record<string, number> = {};
  const errorsByResource = new Map<string, number>();
  for (const [resource, families] of errorsCounted) {
    const wanted = populationOf.get(resource);
    const same =
      wanted === undefined ? families : new Map([...families].filter(([family]) => population(family) === wanted));
    if (same.size === 0) continue;
    const chosen = pick(same);
    errorsByResource.set(resource, chosen.n);
    for (const [kind, n] of chosen.byKind) byKind[kind] = (byKind[kind] ?? 0) + n;
  }
  const resources = new Set([...opsByResource.keys(), ...errorsByResource.keys()]);
  const byResource: ResourceErrorStats[] = [...resources].sort().map((resource) => {
    const operations = opsByResource.get(resource) ?? 0;
    const errors = errorsByResource.get(resource) ?? 0;
    return { resource, operations, errors, rate: rate(errors, operations) };
  });
  const operations = sum(opsByResource.values());
  const errors = sum(errorsByResource.values());
  return { operations, errors, rate: rate(errors, operations), byKind, byResource };
}

interface Counted {
  readonly family: string;
  n: number;
  readonly byKind: Map<string, number>;
}

function count(
  into: Map<string, Map<string, Counted>>,
  resource: string,
  family: string,
  n: number,
  kind?: string,
): void {
  let families = into.get(resource);
  if (!families) into.set(resource, (families = new Map()));
  let c = families.get(family);
  if (!c) families.set(family, (c = { family, n: 0, byKind: new Map() }));
  c.n += n;
  if (kind !== undefined) c.byKind.set(kind, (c.byKind.get(kind) ?? 0) + n);
}

/** The population a counter family belongs to: its first two words (`stator_database`, `stator_resilience`). */
const population = (family: string): string => family.split('_').slice(0, 2).join('_');

/** The one family that counts a resource's calls: the most calls counted, then `familyRank`. */
function pick(families: ReadonlyMap<string, Counted>): Counted {
  let best: Counted | undefined;
  for (const c of families.values()) {
    if (!best) best = c;
    else if (c.n > best.n || (c.n === best.n && familyRank(c.family) < familyRank(best.family))) best = c;
  }
  return best as Counted;
}

function latencyGroup(groups: Map<string, LatencyGroup>, resource: string, operation: string): LatencyGroup {
  const id = `${resource}\u0000${operation}`;
  let g = groups.get(id);
  if (!g) {
    g = { resource, operation, count: 0, buckets: new Map(), quantiles: new Map() };
    groups.set(id, g);
  }
  return g;
}

function toLatencyStats(g: LatencyGroup): LatencyStats {
  const buckets: Bucket[] = [...g.buckets].map(([le, count]) => ({ le, count }));
  const pick = (q: number): number | null =>
    g.quantiles.has(q) ? (g.quantiles.get(q) ?? null) : g.count > 0 ? histogramQuantile(q, buckets) : null;
  return {
    resource: g.resource,
    operation: g.operation,
    count: g.count,
    p50: pick(0.5),
    p95: pick(0.95),
    p99: pick(0.99),
  };
}

const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);
const sum = (xs: Iterable<number>): number => {
  let t = 0;
  for (const x of xs) t += x;
  return t;
};
const rate = (errors: number, operations: number): number => (operations > 0 ? Math.min(1, errors / operations) : 0);
