/**
 * Pool acquire/release with a no-op resource: Stator's pool against tarn (knex's pool) and
 * generic-pool, in one run, at concurrency 1 and 16, each pool sized 10 (the default
 * `max_connections`), so at 16 six callers queue. Target: Stator within 2x of tarn.
 *
 * Rows: Stator as configured by default (acquiring stacks sampled for leak reports), Stator
 * recording every acquire's stack, and Stator through the tarn adapter knex uses.
 */
import genericPool from 'generic-pool';
import { Pool as TarnPool } from 'tarn';
import { configSchema } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { createPool, toTarnPool, type Pool } from '../src/pool/index.js';
import type { StackCapture } from '../src/pool/stack-sampler.js';
import { createRuntimeContext } from '../src/kernel/create-context.js';
import { heapUsed, measure, printComparison, type Measurement } from './harness.js';

const MAX = 10;

interface Resource {
  readonly n: number;
}

let made = 0;
const create = (): Promise<Resource> => Promise.resolve({ n: ++made });

function statorPool(captureStacks?: StackCapture, max = MAX): Pool<Resource> {
  const ctx = createRuntimeContext({ config: configSchema.parse({}), logger: createLogger({ silent: true }) });
  return createPool<Resource>(ctx, {
    name: 'bench',
    max,
    factory: { create, destroy: () => undefined },
    ...(captureStacks === undefined ? {} : { captureStacks }),
  });
}

/** One acquire and one release through each library. */
interface Case {
  readonly name: string;
  readonly op: () => Promise<void>;
  readonly close: () => Promise<unknown>;
}

function cases(): Case[] {
  const tarn = new TarnPool<Resource>({
    create,
    destroy: () => undefined,
    min: 0,
    max: MAX,
    acquireTimeoutMillis: 30_000,
  });
  const generic = genericPool.createPool<Resource>(
    { create, destroy: () => Promise.resolve() },
    { min: 0, max: MAX, acquireTimeoutMillis: 30_000 },
  );
  const stator = statorPool();
  const always = statorPool('always');
  const adapted = statorPool();
  const adapter = toTarnPool(adapted);
  return [
    {
      name: 'tarn',
      op: async () => {
        tarn.release(await tarn.acquire().promise);
      },
      close: () => tarn.destroy(),
    },
    {
      name: 'generic-pool',
      op: async () => {
        await generic.release(await generic.acquire());
      },
      close: () => generic.drain().then(() => generic.clear()),
    },
    {
      name: 'stator (default: stacks sampled)',
      op: async () => {
        (await stator.acquire()).release();
      },
      close: () => stator.close(),
    },
    {
      name: 'stator (capture_stacks: always)',
      op: async () => {
        (await always.acquire()).release();
      },
      close: () => always.close(),
    },
    {
      name: 'stator via toTarnPool (what knex calls)',
      op: async () => {
        adapter.release(await adapter.acquire().promise);
      },
      close: () => adapted.close(),
    },
  ];
}

/** Heap per pooled connection (record + connection machine + lease), 1,000 connections lent at once. */
async function footprint(): Promise<void> {
  const N = 1_000;
  const pool = statorPool(undefined, N);
  const before = heapUsed();
  const leases = await Promise.all(Array.from({ length: N }, () => pool.acquire()));
  const after = heapUsed();
  for (const l of leases) l.release();
  await pool.close();
  console.log(`\n## pool footprint: ${N.toLocaleString('en-US')} connections lent at once`);
  console.log(
    `heap per connection (record, connection machine, lease; no-op resource): ${Math.round((after - before) / N).toLocaleString('en-US')} bytes${(globalThis as { gc?: unknown }).gc ? '' : ' (run node with --expose-gc for a stable figure)'}`,
  );
}

export async function run(): Promise<void> {
  for (const concurrency of [1, 16]) {
    const all = cases();
    const rows: Measurement[] = [];
    for (const c of all) rows.push(await measure(c.name, c.op, { concurrency }));
    for (const c of all) await c.close();
    printComparison(`pool acquire/release, no-op resource, max ${MAX}, concurrency ${concurrency} (vs tarn)`, rows);
    const tarn = rows[0]!.opsPerSec;
    const stator = rows[2]!.opsPerSec;
    console.log(`stator/tarn = ${(stator / tarn).toFixed(2)} (target ≥ 0.50: within 2x of tarn)`);
  }
  await footprint();
}
