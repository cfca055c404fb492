/**
 * Edit distance with adjacent transpositions (optimal string alignment Damerau–Levenshtein):
 * `retry_attemps` → `retry_attempts` is 1, `tiemout` → `timeout` is 1.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Case, dashes, spaces and dots do not count as differences: `Retry-Attempts` is `retry_attempts`. */
const normalize = (s: string): string => s.toLowerCase().replace(/[-\s.]/g, '_');

/**
 * A key written as one word of a longer key: `ttl` for `default_ttl` (the last word: what the key
 * is) is closer than `ttl` for `ttl_jitter` (a property of it). Undefined when it is neither.
 */
function wordDistance(wanted: string, target: string): number | undefined {
  const words = target.split('_');
  if (words.length < 2 || wanted.includes('_')) return undefined;
  if (words[words.length - 1] === wanted) return 0.5;
  return words.includes(wanted) ? 0.75 : undefined;
}

/**
 * The candidate closest to `input` when it is close enough to be a typo (at most one edit in
 * four characters, at least one), or undefined.
 *
 * @example
 * ```ts
 * suggest('retry_attemps', ['retry_attempts', 'retry_delay']); // 'retry_attempts'
 * suggest('ttl', ['default_ttl', 'ttl_jitter']); // 'default_ttl'
 * ```
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(input);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const target = normalize(candidate);
    const distance =
      target.startsWith(wanted) && wanted.length >= 4
        ? 0.5
        : (wordDistance(wanted, target) ?? editDistance(wanted, target));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(wanted.length, 1) / 4));
  return bestDistance <= allowed ? best : undefined;
}
