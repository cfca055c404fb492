/**
 * The overhead of Stator's full recovery pipeline on a call that succeeds, layer by layer, and
 * against the same composition in cockatiel (retry + breaker + bulkhead).
 */
import { Redis } from 'ioredis';
import {
  bulkhead,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  SamplingBreaker,
  wrap,
} from 'cockatiel';
import { configSchema, type StatorConfigInput } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { createResilience, type Resilience } from '../src/resilience/index.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { measure, printComparison, type Measurement } from './harness.js';

const work = (): Promise<number> => Promise.resolve(1);

function stator(errorHandling: StatorConfigInput['error_handling']): Resilience {
  const config = configSchema.parse({ error_handling: errorHandling });
  return createResilience(createRuntimeContext({ config, logger: createLogger({ silent: true }) }));
}

/** Deletes the keys a bench run left in Redis under `prefix` (bottleneck's `b_<id>_*`). */
async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis({ lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`b_${prefix}*`);
    const own = await redis.keys(`${prefix}*`);
    if (keys.length + own.length) await redis.del(...keys, ...own);
  } finally {
    redis.disconnect();
  }
}

async function redisUp(): Promise<boolean> {
  const redis = new Redis({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export async function run(): Promise<void> {
  const breakerOnly = stator({ retry: { max_attempts: 1 } }).pipeline('database');
  const full = stator({}).pipeline('database');
  const limited = stator({ rate_limit: { database: { max_concurrent: 1000, shared: false } } }).pipeline('database');
  const reservoir = stator({ rate_limit: { database: { reservoir: 1_000_000_000, shared: false } } }).pipeline('database');
  const cockatiel = wrap(
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 300_000, breaker: new SamplingBreaker({ threshold: 0.5, duration: 60_000 }) }),
  );
  const cockatielBulkhead = wrap(
    bulkhead(1000, 1000),
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 300_000, breaker: new SamplingBreaker({ threshold: 0.5, duration: 60_000 }) }),
  );

  const rows: Measurement[] = [
    await measure('stator: detector + retry + breaker (default config)', () => full.run('select', work)),
    await measure('stator: + read() remembering the value (fallback)', () => full.read('select', 'k', work)),
    await measure('stator: + limiter (max_concurrent, in process)', () => limited.run('select', work)),
    await measure('stator: + limiter (reservoir: bottleneck, in process)', () => reservoir.run('select', work)),
    await measure('stator: breaker only (retry off)', () => breakerOnly.run('select', work)),
    await measure('cockatiel: retry + breaker', () => cockatiel.execute(work)),
    await measure('cockatiel: bulkhead + retry + breaker', () => cockatielBulkhead.execute(work)),
    await measure('the operation alone', work),
  ];
  printComparison('pipeline: overhead on a call that succeeds (ratio to the full Stator pipeline)', rows);

  if (await redisUp()) {
    const prefix = `stator-bench:${process.pid}:`;
    const shared = stator({
      redis: { host: '127.0.0.1', port: 6379, key_prefix: prefix },
      rate_limit: { database: { max_concurrent: 1000 } },
    });
    const pipeline = shared.pipeline('database');
    // Let the shared limiter's connection come up, so calls take the Redis path.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const remote = [
      await measure('stator: limiter shared through Redis (bottleneck cluster)', () => pipeline.run('select', work), {
        concurrency: 16,
      }),
      await measure('stator: local limiter, same concurrency', () => limited.run('select', work), { concurrency: 16 }),
    ];
    printComparison('pipeline: shared rate limit through Redis (16 in flight)', remote);
    await shared.stop();
    await cleanRedis(prefix);
  } else {
    console.log('\n(pipeline: Redis on 127.0.0.1:6379 is down; shared-limit case skipped)');
  }
}
