/**
 * `stator.cache` get/set against the raw clients it runs on, in one run: plain ioredis and plain
 * memjs (each serializing with JSON.stringify/JSON.parse, as a service using them directly
 * would), at concurrency 1 and 32, on the local Redis (6379) and Memcached (11211). The memory
 * driver is compared with a bare lru-cache holding the same JSON text. Target: stator within
 * 10% of the raw client (ratio ≥ 0.90). Each comparison also prints the CPU time per call of
 * each subject (this process, user + system), the steadier measure of what Stator adds.
 */
import { LRUCache } from 'lru-cache';
import memjs from 'memjs';
import { Redis } from 'ioredis';
import { createCacheLayer, type CacheLayer } from '../src/cache/index.js';
import { configSchema, type StatorConfigInput } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { createResilience, type Resilience } from '../src/resilience/index.js';
import { createRuntimeContext } from '../src/runtime/create-context.js';
import { measure, printComparison, type Measurement } from './harness.js';

const SIGNAL = new AbortController().signal;
const KEYS = 64;
const VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true, score: 97.5 };
const PREFIX = `stator-bench:${process.pid}:`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Subject {
  readonly name: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
}

async function statorLayer(cache: NonNullable<StatorConfigInput['cache']>): Promise<{ layer: CacheLayer; resilience: Resilience }> {
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

/** One subject's best round: its throughput, and the CPU time this process spent per call. */
interface Round {
  readonly m: Measurement;
  readonly cpuNsPerOp: number;
}

/**
 * Measures one round after a warm-up of its own, so that the CPU time (user + system, this process
 * only) covers exactly the timed calls. At concurrency 32 the client is CPU-bound, and CPU per call
 * is a steadier view of what Stator adds than throughput, which the servers' share of the two
 * cores also moves.
 */
async function round(name: string, call: () => Promise<unknown>, concurrency: number): Promise<Round> {
  const durationMs = Number(process.env.BENCH_MS ?? 1500);
  await measure(name, call, { concurrency, durationMs: Math.round(durationMs / 3), warmupMs: 0 });
  const before = process.cpuUsage();
  const m = await measure(name, call, { concurrency, durationMs, warmupMs: 0 });
  const cpu = process.cpuUsage(before);
  return { m, cpuNsPerOp: ((cpu.user + cpu.system) * 1000) / m.ops };
}

async function compare(title: string, subjects: readonly Subject[]): Promise<void> {
  for (const subject of subjects) {
    for (let i = 0; i < KEYS; i++) await subject.set(`k${i}`, VALUE);
  }
  for (const concurrency of [1, 32]) {
    for (const op of ['get', 'set'] as const) {
      // The machine is shared and noisy: measure the subjects in turn, ROUNDS times, and keep
      // each one's best round, so a burst of someone else's load does not decide the ratio.
      const best = new Map<string, Measurement>();
      const cpu = new Map<string, number>();
      for (let r = 0; r < ROUNDS; r++) {
        for (const subject of subjects) {
          let n = 0;
          const call =
            op === 'get'
              ? () => subject.get(`k${n++ & (KEYS - 1)}`)
              : () => subject.set(`k${n++ & (KEYS - 1)}`, VALUE);
          const { m, cpuNsPerOp } = await round(`${subject.name} ${op}`, call, concurrency);
          const previous = best.get(subject.name);
          if (!previous || m.opsPerSec > previous.opsPerSec) best.set(subject.name, m);
          cpu.set(subject.name, Math.min(cpu.get(subject.name) ?? Infinity, cpuNsPerOp));
        }
      }
      printComparison(`cache ${op}, ${title}, concurrency ${concurrency} (best of ${ROUNDS})`, [...best.values()]);
      const [baseline, ...others] = [...cpu.entries()];
      if (baseline) {
        const parts = others.map(([name, ns]) => `${name} ${Math.round(ns)} ns (+${Math.round(ns - baseline[1])} ns, ${(baseline[1] / ns).toFixed(2)}x)`);
        console.log(`CPU per call (least of ${ROUNDS}): ${baseline[0]} ${Math.round(baseline[1])} ns; ${parts.join('; ')}`);
      }
    }
  }
}

async function redis(): Promise<void> {
  const raw = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await raw.connect();
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
    ]);
  } finally {
    const keys = await raw.keys(`${PREFIX}*`);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
    await layer.stop(SIGNAL);
    await resilience.stop();
  }
}

async function memcached(): Promise<void> {
  const raw = memjs.Client.create('127.0.0.1:11211', { logger: { log: () => undefined } });
  const { layer, resilience } = await statorLayer({ driver: 'memcached', host: '127.0.0.1', port: 11211, default_ttl: 300 });
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

async function memory(): Promise<void> {
  const raw = new LRUCache<string, string>({ max: 10_000 });
  const { layer, resilience } = await statorLayer({ driver: 'memory' });
  try {
    await compare('memory', [
      {
        name: 'plain lru-cache + JSON',
        get: async (key) => {
          const text = raw.get(key);
          return text === undefined ? undefined : (JSON.parse(text) as unknown);
        },
        set: async (key, value) => raw.set(key, JSON.stringify(value)),
      },
      statorSubject(layer),
    ]);
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
