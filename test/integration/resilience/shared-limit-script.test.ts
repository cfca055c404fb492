/**
 * The Lua admission script of shared limits (src/resilience/limiter/shared-limit-script.ts) on the
 * real Redis at 6379, under a key prefix of this file's own: concurrency leases (and a lease left
 * by a dead process lapsing), min_time spacing, the reservoir and its refresh, nothing taken
 * unless every limit admits; then two limiters (two "processes") sharing one limit. The script
 * answers 0 to admit, otherwise the milliseconds to wait.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { ResourceLimiter } from '../../../src/resilience/limiter/resource-limiter.js';
import type { LimitSettings } from '../../../src/resilience/limiter/limit-settings.js';
import { admitKeys, admitScript, type LimitKey } from '../../../src/resilience/limiter/shared-limit-script.js';

const prefix = `stator-test:shared-limit:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
let redis: Redis;
let n = 0;

beforeAll(async () => {
  redis = new Redis({ port: 6379 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** Fresh keys and an admit call for one settings object. */
function limit(settings: LimitSettings) {
  const base = `${prefix}${++n}`;
  const key = (name: LimitKey): string => `${base}:${name}`;
  const keys = admitKeys(settings).map(key);
  const script = admitScript(settings);
  const args = (lease: string) => (settings.maxConcurrent === undefined ? keys : [...keys, lease]);
  const admit = async (lease: string) => Number(await redis.eval(script, keys.length, ...args(lease)));
  return { key, admit };
}

describe('shared limit script', () => {
  it('admits max_concurrent leases, refuses the next, admits again once one is given back or lapses', async () => {
    const l = limit({ maxConcurrent: 2, minTimeMs: 0, shared: true });
    expect(await l.admit('a')).toBe(0);
    expect(await l.admit('b')).toBe(0);
    expect(await l.admit('c')).toBeGreaterThan(0);
    await redis.zrem(l.key('leases'), 'a');
    expect(await l.admit('c')).toBe(0);
    await redis.zadd(l.key('leases'), '1', 'b'); // as if b's process died long ago: its lease lapsed
    expect(await l.admit('d')).toBe(0);
    expect(await redis.zrange(l.key('leases'), '0', '-1')).toEqual(['c', 'd']);
  });

  it('spaces starts by min_time: the next call is told how long to wait', async () => {
    const l = limit({ minTimeMs: 60_000, shared: true });
    expect(await l.admit('a')).toBe(0);
    const waitMs = await l.admit('b');
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(60_000);
  });

  it('takes the reservoir one per call, and refreshes it to the refresh amount each interval', async () => {
    const l = limit({
      minTimeMs: 0,
      reservoir: 2,
      reservoirRefreshIntervalMs: 3_600_000,
      reservoirRefreshAmount: 3,
      shared: true,
    });
    expect(await l.admit('a')).toBe(0);
    expect(await l.admit('b')).toBe(0);
    const waitMs = await l.admit('c');
    expect(waitMs).toBeGreaterThan(3_000_000); // until the next refresh
    expect(waitMs).toBeLessThanOrEqual(3_600_000);
    expect(await redis.get(l.key('left'))).toBe('0'); // a refused call took nothing
    const start = Number(await redis.get(l.key('period')));
    // An interval has passed since: the count lapsed (its expiry), the interval started an hour ago.
    await redis.set(l.key('period'), start - 3_600_000);
    await redis.del(l.key('left'));
    for (const lease of ['c', 'd', 'e']) expect(await l.admit(lease)).toBe(0);
    expect(await l.admit('f')).toBeGreaterThan(0);
    expect(await redis.get(l.key('period'))).toBe(String(start)); // the interval now running, on the same grid
    const ttl = await redis.pttl(l.key('left'));
    expect(ttl).toBeGreaterThan(0); // the count lapses when the interval ends
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('keeps a reservoir without refresh: once empty it stays empty, and refusals take nothing', async () => {
    const l = limit({ minTimeMs: 0, reservoir: 2, shared: true });
    expect(await l.admit('a')).toBe(0);
    expect(await l.admit('b')).toBe(0);
    expect(await l.admit('c')).toBeGreaterThan(0);
    expect(await l.admit('d')).toBeGreaterThan(0);
    expect(await redis.get(l.key('left'))).toBe('0');
    expect(await redis.pttl(l.key('left'))).toBe(-1);
  });

  it('admits nothing from a reservoir of nothing', async () => {
    const l = limit({ minTimeMs: 0, reservoir: 0, shared: true });
    expect(await l.admit('a')).toBeGreaterThan(0);
    expect(await l.admit('b')).toBeGreaterThan(0);
    expect(await redis.get(l.key('left'))).toBe('0');
  });

  it('takes nothing when one limit refuses: a full concurrency keeps the reservoir', async () => {
    const l = limit({ maxConcurrent: 1, minTimeMs: 0, reservoir: 5, shared: true });
    expect(await l.admit('a')).toBe(0);
    expect(await l.admit('b')).toBeGreaterThan(0);
    expect(await l.admit('c')).toBeGreaterThan(0);
    expect(await redis.get(l.key('left'))).toBe('4');
  });
});

describe('two limiters sharing a limit through Redis', () => {
  it('never run more than max_concurrent calls between them, and give every lease back', async () => {
    const clients = [new Redis({ port: 6379 }), new Redis({ port: 6379 })];
    await Promise.all(clients.map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))));
    const logger = createLogger({ silent: true });
    const limiters = clients.map(
      (client) =>
        new ResourceLimiter(
          'db',
          { maxConcurrent: 3, minTimeMs: 0, reservoir: 40, shared: true },
          { client, keyPrefix: prefix },
          logger,
        ),
    );
    let running = 0;
    let peak = 0;
    const job = async (): Promise<void> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
    };
    await Promise.all(Array.from({ length: 24 }, (_, i) => (limiters[i % 2] as ResourceLimiter).schedule(job)));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(0);
    expect(await redis.get(`${prefix}limiter:db:left`)).toBe('16');
    // The ZREMs giving leases back are sent without waiting for them: wait for them here.
    await Promise.all(clients.map((c) => c.ping()));
    expect(await redis.zcard(`${prefix}limiter:db:leases`)).toBe(0);
    for (const c of clients) c.disconnect();
  });
});
