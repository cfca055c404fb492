/**
 * Turns a TTL in seconds (the seed's unit) into the milliseconds a driver stores, with jitter:
 * the result lies in `[ttl × (1 − jitter), ttl]`, so entries written together do not expire
 * together (no synchronized stampede on the loader), and no entry lives longer than asked.
 *
 * @param ttlSeconds 0 = no expiry (returns 0).
 * @param jitter fraction of the TTL, from 0 to 1.
 * @param random a number in [0, 1); injectable for tests.
 */
export function ttlWithJitter(ttlSeconds: number, jitter: number, random: () => number = Math.random): number {
  if (!(ttlSeconds > 0)) return 0;
  const ms = ttlSeconds * 1000;
  if (!(jitter > 0)) return Math.max(1, Math.round(ms));
  return Math.max(1, Math.round(ms * (1 - jitter * random())));
}
