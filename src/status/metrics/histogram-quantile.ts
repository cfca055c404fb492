/** One cumulative histogram bucket: observations `<= le`. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * Estimates the `q` quantile (0..1) of a cumulative histogram the way Prometheus'
 * `histogram_quantile` does: find the bucket holding the rank, interpolate linearly inside it
 * (from 0 for the first bucket). A rank in the `+Inf` bucket answers the largest finite bound.
 * Returns `null` for an empty histogram.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
