import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suffix } from './support/capture.js';
import { compileWorker, startWorker, type Worker } from './support/processes.js';

// Two (then three) separate Node processes, each with its own Stator resilience capability,
// sharing breaker state and a rate limit through the real Redis at 127.0.0.1:6379 under a key
// prefix of their own.
const prefix = `stator-test:resilience-shared:${suffix()}:`;
const MAX_CONCURRENT = 3;
const workers: Worker[] = [];
let script: string;
let redis: Redis;

async function worker(sharedLimit = true): Promise<Worker> {
  const w = await startWorker(script, { redisPort: 6379, prefix, maxConcurrent: MAX_CONCURRENT, sharedLimit });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  redis = new Redis({ port: 6379 });
  script = await compileWorker();
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.request({ cmd: 'stop' }).catch(() => w.kill())));
  for (const w of workers) w.kill();
  const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`b_${prefix}*`))];
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('breaker state and rate limits shared through Redis, across processes', () => {
  let a: Worker;
  let b: Worker;

  beforeAll(async () => {
    [a, b] = await Promise.all([worker(), worker()]);
  }, 60_000);

  it('both processes follow the shared state', () => {
    expect(a.shared).toBe(true);
    expect(b.shared).toBe(true);
  });

  it('process A trips its breaker; process B sees it open and refuses calls without running them', async () => {
    const opened = b.request({ cmd: 'waitState', state: 'open' });
    const tripped = await a.request({ cmd: 'trip' });
    expect(tripped.state).toBe('open');
    const seen = await opened;
    expect(seen.state).toBe('open');
    const call = await b.request({ cmd: 'call' });
    expect(call).toMatchObject({ error: 'CIRCUIT_OPEN', called: false });
    // B stays open as long as A does: both half-open after A's reset timeout (600 s), not B's own.
    expect(seen.nextAttemptAt as number).toBeGreaterThan(Date.now() + 500_000);
  });

  it('a process that starts later reads the current state and starts open', async () => {
    const c = await worker();
    expect(await c.request({ cmd: 'state' })).toMatchObject({ state: 'open' });
    expect(await c.request({ cmd: 'call' })).toMatchObject({ error: 'CIRCUIT_OPEN', called: false });
  });

  it('resetting the breaker in one process closes it in the others', async () => {
    const closedInA = a.request({ cmd: 'waitState', state: 'closed' });
    await b.request({ cmd: 'reset' });
    await closedInA;
    expect(await a.request({ cmd: 'call' })).toMatchObject({ value: 'ok', called: true });
    expect(await redis.exists(`${prefix}breaker:database`)).toBe(0);
  });

  it('isolating in one process isolates every process, including one started later', async () => {
    const isolatedInB = b.request({ cmd: 'waitState', state: 'isolated' });
    await a.request({ cmd: 'isolate' });
    await isolatedInB;
    const d = await worker();
    expect(await d.request({ cmd: 'state' })).toMatchObject({ state: 'isolated' });
    const closed = Promise.all([a, d].map((w) => w.request({ cmd: 'waitState', state: 'closed' })));
    await b.request({ cmd: 'reset' });
    await closed;
  });

  it(`a shared limit of ${MAX_CONCURRENT} concurrent calls holds across both processes`, async () => {
    await redis.del(`${prefix}test:in-flight`, `${prefix}test:peak`);
    const results = await Promise.all([a, b].map((w) => w.request({ cmd: 'hold', calls: 8, holdMs: 60 })));
    expect(results).toEqual([{ done: 8 }, { done: 8 }]);
    const peak = Number(await redis.get(`${prefix}test:peak`));
    expect(peak).toBeLessThanOrEqual(MAX_CONCURRENT);
    expect(peak).toBeGreaterThanOrEqual(2); // the limit was actually exercised, not serialised to 1
    expect(Number(await redis.get(`${prefix}test:in-flight`))).toBe(0);
  });

  it('control: with per-process limits only, the same load exceeds the limit (so the test above can fail)', async () => {
    const [e, f] = await Promise.all([worker(false), worker(false)]);
    await redis.del(`${prefix}test:in-flight`, `${prefix}test:peak`);
    await Promise.all([e, f].map((w) => w.request({ cmd: 'hold', calls: 8, holdMs: 60 })));
    expect(Number(await redis.get(`${prefix}test:peak`))).toBeGreaterThan(MAX_CONCURRENT);
  });
});
