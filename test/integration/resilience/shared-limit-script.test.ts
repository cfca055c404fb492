/**
 * The Lua admission script of shared limits (src/resilience/limiter/shared-limit-script.ts) on the
 * real Redis at 6379, under a key prefix of this file's own: concurrency leases (and a lease left
 * by a dead process lapsing), min_time spacing, the reservoir and its refresh, nothing taken
 * unless every limit admits; then two limiters (two "processes") sharing one limit.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { ResourceLimiter } from '../../../src/resilience/limiter/resource-limiter.js';
import {
  admitArguments,
  withAdmitScript,
  type AdmitClient,
} from '../../../src/resilience/limiter/shared-limit-script.js';

const prefix = `stator-test:shared-limit:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
let redis: AdmitClient;
let n = 0;

beforeAll(async () => {
  redis = withAdmitScript(new Redis({ port: 6379 }));
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** Fresh keys and an admit call for one settings object. */
function limit(settings: Parameters<typeof admitArguments>[0]) {
  const base = `${prefix}${++n}`;
  const keys = [`${base}:leases`, `${base}:next`, `${base}:reservoir`] as const;
  const admit = (lease: string) => redis.statorAdmit(keys[0], keys[1], keys[2], lease, ...admitArguments(settings));
  return { keys, admit };
}

describe('shared limit script', () => {
  it('admits max_concurrent leases, refuses the next, admits again once one is given back or lapses', async () => {
    const l = limit({ maxConcurrent: 2, minTimeMs: 0, shared: true });
    expect(await l.admit('a')).toEqual([0, 0]);
    expect(await l.admit('b')).toEqual([0, 0]);
    expect((await l.admit('c'))[0]).toBe(1);
    await redis.zrem(l.keys[0], 'a');
    expect(await l.admit('c')).toEqual([0, 0]);
    await redis.zadd(l.keys[0], '1', 'b'); // as if b's process died long ago: its lease lapsed
    expect(await l.admit('d')).toEqual([0, 0]);
    expect(await redis.zrange(l.keys[0], '0', '-1')).toEqual(['c', 'd']);
  });

  it('spaces starts by min_time: the next call is told how long to wait', async () => {
    const l = limit({ minTimeMs: 60_000, shared: true });
    expect(await l.admit('a')).toEqual([0, 0]);
    const [refused, waitMs] = await l.admit('b');
    expect(refused).toBe(1);
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
    expect(await l.admit('a')).toEqual([0, 0]);
    expect(await l.admit('b')).toEqual([0, 0]);
    const [refused, waitMs] = await l.admit('c');
    expect(refused).toBe(1);
    expect(waitMs).toBeGreaterThan(3_000_000); // until the next refresh
    await redis.hset(l.keys[2], 'at', 0); // an interval has passed since
    for (const lease of ['c', 'd', 'e']) expect(await l.admit(lease)).toEqual([0, 0]);
    expect((await l.admit('f'))[0]).toBe(1);
  });

  it('takes nothing when one limit refuses: a full concurrency keeps the reservoir', async () => {
    const l = limit({ maxConcurrent: 1, minTimeMs: 0, reservoir: 5, shared: true });
    expect(await l.admit('a')).toEqual([0, 0]);
    expect((await l.admit('b'))[0]).toBe(1);
    expect((await l.admit('c'))[0]).toBe(1);
    expect(await redis.hget(l.keys[2], 'left')).toBe('4');
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
    expect(await redis.hget(`${prefix}limiter:db:reservoir`, 'left')).toBe('16');
    // The ZREMs giving leases back are sent without waiting for them: wait for them here.
    await Promise.all(clients.map((c) => c.ping()));
    expect(await redis.zcard(`${prefix}limiter:db:leases`)).toBe(0);
    for (const c of clients) c.disconnect();
  });
});
