/**
 * Runs per-key reads of a multi-key read across several servers: keys on a server that is down
 * read as misses while the others answer. Rejects (with the first error) only when every read
 * failed, so that an outage of the whole cache still reaches the breaker.
 */
export async function settleMany<T>(reads: ReadonlyArray<Promise<T | undefined>>): Promise<Array<T | undefined>> {
  const results = await Promise.allSettled(reads);
  let firstError: unknown;
  let failures = 0;
  const values = results.map((r) => {
    if (r.status === 'fulfilled') return r.value;
    failures++;
    firstError ??= r.reason;
    return undefined;
  });
  if (failures > 0 && failures === results.length) throw firstError;
  return values;
}
