import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResilience, type Resilience } from '../../../src/resilience/index.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { resilienceContext, transientError } from '../../unit/resilience/support/context.js';
import { suffix } from './support/capture.js';
import { PORTS, startRedis, type ChildServer } from './support/servers.js';

// What happens to shared breakers and limits when Redis itself is down: each process falls back
// to its local breaker and local limits, and nothing throws at the caller because of Redis.
const prefix = `stator-test:resilience-down:${suffix()}:`;
const port = PORTS.redisShared;
let server: ChildServer;
const instances: Resilience[] = [];

function make(redisPort: number) {
  const ctx = resilienceContext(
    {
      retry: { max_attempts: 1 },
      circuit_breaker: { minimum_calls: 2, reset_timeout: 600 },
      rate_limit: { database: { max_concurrent: 2 } },
      redis: { host: '127.0.0.1', port: redisPort, key_prefix: prefix },
    },
    { clock: systemClock },
  );
  const resilience = createResilience(ctx);
  instances.push(resilience);
  return { ctx, resilience, pipeline: resilience.pipeline('database') };
}

async function trip(pipeline: ReturnType<typeof make>['pipeline']): Promise<void> {
  for (let i = 0; i < 100 && pipeline.breaker.state === 'closed'; i++) {
    await pipeline.run('q', () => Promise.reject(transientError())).catch(() => undefined);
  }
}

async function peakOf(pipeline: ReturnType<typeof make>['pipeline'], calls: number): Promise<number> {
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: calls }, () =>
      pipeline.run('q', async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
      }),
    ),
  );
  return peak;
}

beforeAll(async () => {
  server = await startRedis(port);
});

afterAll(async () => {
  await Promise.all(instances.map((r) => r.stop()));
  await server.stop();
});

describe('shared state while Redis is down', () => {
  it('Redis down from the start: ready() says so, the breaker and the limit work per process', async () => {
    const { resilience, pipeline, ctx } = make(PORTS.refused);
    expect(await resilience.ready(500)).toBe(false);
    expect(await peakOf(pipeline, 6)).toBeLessThanOrEqual(2);
    await trip(pipeline);
    expect(pipeline.breaker.state).toBe('open');
    await expect(pipeline.run('q', async () => 1)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(ctx.logged.some((l) => /shared circuit-breaker state unavailable/.test(l.message))).toBe(true);
  });

  it('Redis dies under a running process: the breaker still trips locally and limits still hold', async () => {
    const { resilience, pipeline, ctx } = make(port);
    expect(await resilience.ready(3000)).toBe(true);
    expect(await peakOf(pipeline, 6)).toBeLessThanOrEqual(2); // through the shared limiter
    await server.stop();
    expect(await peakOf(pipeline, 6)).toBeLessThanOrEqual(2); // local fallback
    await trip(pipeline);
    expect(pipeline.breaker.state).toBe('open');
    const warnings = ctx.logged.filter((l) => l.level === 'warn' && /unavailable/.test(l.message));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    // Logged once per outage, not per call.
    expect(warnings.filter((l) => /circuit-breaker/.test(l.message))).toHaveLength(1);
  });

  it('when Redis is back, a new process reads what was stored before the outage, and publishing resumes', async () => {
    await server.stop();
    server = await startRedis(port);
    const first = make(port);
    expect(await first.resilience.ready(3000)).toBe(true);
    const second = make(port);
    expect(await second.resilience.ready(3000)).toBe(true);
    const opened = new Promise<void>((resolve) => {
      second.pipeline.breaker.state$.subscribe((s) => s.state === 'open' && resolve());
    });
    await trip(first.pipeline);
    await opened;
    const reader = new Redis({ port });
    const stored = await reader.get(`${prefix}breaker:database`);
    reader.disconnect();
    expect(JSON.parse(stored!)).toMatchObject({ name: 'database', state: 'open' });
  });
});
