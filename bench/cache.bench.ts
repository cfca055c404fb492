/**
 * `stator.cache` get/set against the raw clients it runs on, in one run: plain ioredis and plain
 * memjs (each serializing with JSON.stringify/JSON.parse, as a service using them directly
 * would), at concurrency 1 and 32, on the local Redis (6379) and Memcached (11211). The memory
 * driver is compared with a bare lru-cache holding the same JSON text. Target: stator within
 * 10% of the raw client (ratio ≥ 0.90). The subjects are measured in paired rounds
 * ({@link comparePaired}): the ratio is the median of per-round ratios, so a burst of load on a
 * shared machine does not decide it. Each comparison also prints the CPU time per call of each
 * subject (this process, user + system), the steadier measure of what Stator adds.
 */
import { LRUCache } from 'lru-cache';
import memjs from 'memjs';
import { Redis } from 'ioredis';
import { createCacheLayer, type CacheLayer } from '../src/cache/index.js';
import { configSchema, type StatorConfigInput } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { createResilience, type Resilience } from '../src/resilience/index.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { comparePaired } from './harness.js';

const SIGNAL = new AbortController().signal;
const KEYS = 64;
const VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true, score: 97.5 };
const PREFIX = `stator-bench:${process.pid}:`;
/** Stator's throughput over the raw client's that the cache issue asks for. */
const TARGET = 0.9;

/**
 * Paired rounds per comparison. One call at a time is a round trip's wait plus a few microseconds
 * of work, and a single round's ratio swings by ±30% on a shared machine: more rounds there.
 */
const roundsAt = (concurrency: number): number => Number(process.env.BENCH_ROUNDS ?? (concurrency === 1 ? 25 : 15));

interface Subject {
  readonly name: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
}

async function statorLayer(
  cache: NonNullable<StatorConfigInput['cache']>,
): Promise<{ layer: CacheLayer; resilience: Resilience }> {
  const config = configSchema.parse({ cache: { ...cache, key_prefix: `${PREFIX}stator:` } });
  const ctx = createRuntimeContext({ config, logger: createLogger({ silent: true }) });
  const resilience = createResilience(ctx);
  const layer = createCacheLayer(ctx, { resilience });
  await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
  return { layer, resilience };
}

function statorSubject(layer: CacheLayer): Subject {
  return {
    name: `stator.cache (${layer.driver})`,
    get: (key) => layer.api.get(key),
    set: (key, value) => layer.api.set(key, value),
  };
}

/** Stator's memory driver over lru-cache + JSON that issue 16 asks for (get and set). */
const MEMORY_TARGET = 0.85;

async function compare(title: string, subjects: readonly Subject[], target: number = TARGET): Promise<void> {
  for (const subject of subjects) {
    for (let i = 0; i < KEYS; i++) await subject.set(`k${i}`, VALUE);
  }
  for (const concurrency of [1, 32]) {
    for (const op of ['get', 'set'] as const) {
      const timed = subjects.map((subject) => {
        let n = 0;
        const call =
          op === 'get' ? () => subject.get(`k${n++ & (KEYS - 1)}`) : () => subject.set(`k${n++ & (KEYS - 1)}`, VALUE);
        return { name: `${subject.name} ${op}`, call };
      });
      const results = await comparePaired(`cache ${op}, ${title}, concurrency ${concurrency}`, timed, {
        concurrency,
        rounds: roundsAt(concurrency),
      });
      const stator = results.find((r) => r.name.startsWith('stator.'));
      if (stator) {
        const verdict = stator.ratio >= target ? 'within' : 'NOT within';
        const base = results[0];
        const extra = base ? `, adds ${Math.round(stator.cpuNsPerOp - base.cpuNsPerOp)} ns of CPU per call` : '';
        console.log(
          `target: stator.cache ${op} at c=${concurrency} ${verdict} ${Math.round((1 - target) * 100)}% of the raw client (median ratio ${stator.ratio.toFixed(2)}x, needs ≥ ${target.toFixed(2)}x${extra})`,
        );
      }
    }
  }
}

async function redis(): Promise<void> {
  const raw = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await raw.connect();
  const piped = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, enableAutoPipelining: true });
  await piped.connect();
  const { layer, resilience } = await statorLayer({ driver: 'redis', host: '127.0.0.1', port: 6379 });
  try {
    await compare('redis', [
      {
        name: 'plain ioredis',
        get: async (key) => {
          const text = await raw.get(`${PREFIX}raw:${key}`);
          return text === null ? undefined : (JSON.parse(text) as unknown);
        },
        set: (key, value) => raw.set(`${PREFIX}raw:${key}`, JSON.stringify(value)),
      },
      statorSubject(layer),
      {
        // ioredis' own way of batching a tick's commands into one write, for comparison: Stator
        // corks the socket for the tick instead (no pipeline object per tick).
        name: 'ioredis enableAutoPipelining',
        get: async (key) => {
          const text = await piped.get(`${PREFIX}raw:${key}`);
          return text === null ? undefined : (JSON.parse(text) as unknown);
        },
        set: (key, value) => piped.set(`${PREFIX}raw:${key}`, JSON.stringify(value)),
      },
    ]);
  } finally {
    piped.disconnect();
    const keys = await raw.keys(`${PREFIX}*`);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
    await layer.stop(SIGNAL);
    await resilience.stop();
  }
}

async function memcached(): Promise<void> {
  const raw = memjs.Client.create('127.0.0.1:11211', { logger: { log: () => undefined } });
  const { layer, resilience } = await statorLayer({
    driver: 'memcached',
    host: '127.0.0.1',
    port: 11211,
    default_ttl: 300,
  });
  try {
    await compare('memcached', [
      {
        name: 'plain memjs',
        get: async (key) => {
          const { value } = await raw.get(`${PREFIX}raw:${key}`);
          return value === null ? undefined : (JSON.parse(value.toString()) as unknown);
        },
        set: (key, value) => raw.set(`${PREFIX}raw:${key}`, JSON.stringify(value), { expires: 300 }),
      },
      statorSubject(layer),
    ]);
  } finally {
    raw.close();
    await layer.stop(SIGNAL);
    await resilience.stop();
  }
}

/** The memory driver against lru-cache + JSON (also run alone by `npm run bench -- cache-memory`). */
export async function memory(): Promise<void> {
  const raw = new LRUCache<string, string>({ max: 10_000 });
  const { layer, resilience } = await statorLayer({ driver: 'memory' });
  try {
    await compare(
      'memory',
      [
        {
          name: 'plain lru-cache + JSON',
          get: async (key) => {
            const text = raw.get(key);
            return text === undefined ? undefined : (JSON.parse(text) as unknown);
          },
          set: async (key, value) => raw.set(key, JSON.stringify(value)),
        },
        statorSubject(layer),
      ],
      MEMORY_TARGET,
    );
  } finally {
    await layer.stop(SIGNAL);
    await resilience.stop();
  }
}

export async function run(): Promise<void> {
  await redis();
  await memcached();
  await memory();
}
