/**
 * The overhead of Stator's full recovery pipeline on a call that succeeds, layer by layer, and
 * against the same composition in cockatiel (retry + breaker + bulkhead).
 *
 * Limits (issue 16): a reservoir in process admits at least 1M calls/s when idle (no timer per
 * call); a limit shared through Redis (one Lua script per admitted call) is at least as fast as
 * rate-limiter-flexible's RateLimiterRedis consuming a point per call, in paired rounds of the
 * same run with 16 calls in flight. The Redis server's CPU per call is printed too: Redis is
 * single-threaded and shares the cores with the clients, so the script's cost on it bounds the
 * throughput (the admission script once cost Redis twice what rate-limiter-flexible's does).
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { bulkhead, circuitBreaker, ExponentialBackoff, handleAll, retry, SamplingBreaker, wrap } from 'cockatiel';
import { configSchema, type StatorConfigInput } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { createResilience, type Resilience } from '../src/resilience/index.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { comparePaired, measure, printComparison, printTarget, type Measurement } from './harness.js';
import { ResourceLimiter } from '../src/resilience/limiter/resource-limiter.js';

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

/** Redis' CPU time so far (user + system), seconds, from INFO (every client of this Redis counts). */
async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/**
 * The Redis server's CPU per call of each subject (ns), median of 3 alternating runs of 50,000
 * calls, 16 in flight: Redis is single-threaded and shares the machine's cores with the clients,
 * so what a script costs it bounds the throughput of every process sharing the limit.
 */
async function printRedisCpu(subjects: readonly { name: string; call: () => Promise<unknown> }[]): Promise<void> {
  const admin = new Redis({ host: '127.0.0.1', port: 6379 });
  const calls = 50_000;
  const perCall: number[][] = subjects.map(() => []);
  for (let round = 0; round < 3; round++)
    for (const [i, subject] of subjects.entries()) {
      const before = await redisCpuSeconds(admin);
      let left = calls;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (left-- > 0) await subject.call();
        }),
      );
      perCall[i]?.push((((await redisCpuSeconds(admin)) - before) * 1e9) / calls);
    }
  admin.disconnect();
  console.log('\nRedis server CPU per call (all its clients count; median of 3 runs of 50,000 calls):');
  for (const [i, subject] of subjects.entries()) {
    const runs = (perCall[i] ?? []).sort((a, b) => a - b);
    console.log(`${subject.name.padEnd(52)} ${`${Math.round(runs[1] ?? NaN)} ns`.padStart(10)}`);
  }
}

export async function run(): Promise<void> {
  const breakerOnly = stator({ retry: { max_attempts: 1 } }).pipeline('database');
  const full = stator({}).pipeline('database');
  const limited = stator({ rate_limit: { database: { max_concurrent: 1000, shared: false } } }).pipeline('database');
  const reservoir = stator({ rate_limit: { database: { reservoir: 1_000_000_000, shared: false } } }).pipeline(
    'database',
  );
  const cockatiel = wrap(
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, {
      halfOpenAfter: 300_000,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 60_000 }),
    }),
  );
  const cockatielBulkhead = wrap(
    bulkhead(1000, 1000),
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, {
      halfOpenAfter: 300_000,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 60_000 }),
    }),
  );

  const rows: Measurement[] = [
    await measure('stator: detector + retry + breaker (default config)', () => full.run('select', work)),
    await measure('stator: + read() remembering the value (fallback)', () => full.read('select', 'k', work)),
    await measure('stator: + limiter (max_concurrent, in process)', () => limited.run('select', work)),
    await measure('stator: + limiter (reservoir, in process)', () => reservoir.run('select', work)),
    await measure('stator: breaker only (retry off)', () => breakerOnly.run('select', work)),
    await measure('cockatiel: retry + breaker', () => cockatiel.execute(work)),
    await measure('cockatiel: bulkhead + retry + breaker', () => cockatielBulkhead.execute(work)),
    await measure('the operation alone', work),
  ];
  printComparison('pipeline: overhead on a call that succeeds (ratio to the full Stator pipeline)', rows);

  const logger = createLogger({ silent: true });
  const reservoirOnly = new ResourceLimiter(
    'bench',
    { minTimeMs: 0, reservoir: 1_000_000_000, shared: false },
    undefined,
    logger,
  );
  const idle = await measure('ResourceLimiter.schedule, reservoir in process', () => reservoirOnly.schedule(work));
  printComparison('pipeline: a reservoir limit in process, idle', [idle]);
  printTarget(
    'reservoir limit in process, idle',
    idle.opsPerSec >= 1_000_000,
    `${Math.round(idle.opsPerSec).toLocaleString('en-US')} calls/s`,
    '≥ 1,000,000 calls/s',
  );

  if (await redisUp()) {
    const prefix = `stator-bench:${process.pid}:`;
    const shared = stator({
      redis: { host: '127.0.0.1', port: 6379, key_prefix: prefix },
      rate_limit: { database: { max_concurrent: 1000 } },
    });
    const pipeline = shared.pipeline('database');
    // Let the shared limiter's connection come up, so calls take the Redis path.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rlfClient = new Redis({ host: '127.0.0.1', port: 6379 });
    const rlf = new RateLimiterRedis({
      storeClient: rlfClient,
      keyPrefix: `${prefix}rlf`,
      points: 1_000_000_000,
      duration: 3600,
    });
    const rated = stator({
      redis: { host: '127.0.0.1', port: 6379, key_prefix: `${prefix}rated:` },
      rate_limit: { database: { reservoir: 1_000_000_000 } },
    });
    const ratedPipeline = rated.pipeline('database');
    const limiterClient = new Redis({ host: '127.0.0.1', port: 6379 });
    const sharedReservoir = new ResourceLimiter(
      'bench',
      { minTimeMs: 0, reservoir: 1_000_000_000, shared: true },
      { client: limiterClient, keyPrefix: prefix },
      logger,
    );
    await Promise.all([shared.ready(3000), rated.ready(3000), sharedReservoir.ready(3000)]);
    const results = await comparePaired(
      'pipeline: a limit shared through Redis, 16 calls in flight',
      [
        {
          name: 'rate-limiter-flexible RateLimiterRedis.consume + call',
          call: () => rlf.consume('database').then(work),
        },
        { name: 'stator ResourceLimiter: shared reservoir + call', call: () => sharedReservoir.schedule(work) },
        { name: 'stator pipeline: + shared reservoir (one Lua call)', call: () => ratedPipeline.run('select', work) },
        { name: 'stator: shared max_concurrent (Lua call + lease back)', call: () => pipeline.run('select', work) },
        { name: 'stator: local limiter, same concurrency', call: () => limited.run('select', work) },
      ],
      { concurrency: 16 },
    );
    await printRedisCpu([
      { name: 'rate-limiter-flexible RateLimiterRedis.consume', call: () => rlf.consume('database') },
      { name: 'stator ResourceLimiter: shared reservoir', call: () => sharedReservoir.schedule(work) },
      { name: 'stator: shared max_concurrent (+ lease back)', call: () => pipeline.run('select', work) },
    ]);
    const ours = results[1];
    if (ours)
      printTarget(
        'limit shared through Redis vs rate-limiter-flexible',
        ours.ratio >= 1,
        `${ours.ratio.toFixed(2)}x its throughput`,
        '≥ 1.00x',
      );
    await rated.stop();
    rlfClient.disconnect();
    limiterClient.disconnect();
    await shared.stop();
    await cleanRedis(prefix);
  } else {
    console.log('\n(pipeline: Redis on 127.0.0.1:6379 is down; shared-limit case skipped)');
  }
}
