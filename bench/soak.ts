/**
 * `npm run soak`: ten minutes (SOAK_MS) of mixed load — ledger transfers on PostgreSQL and cache
 * calls on Redis, both servers of the soak's own (ports 20105 and 20106) — with a fault every
 * 90 s (SOAK_FAULT_EVERY_MS), rotating through SIGKILL + restart, freeze, stop/start and
 * server-side kill of connections. Before and after each fault it prints the heap after a full GC
 * and the throughput of successful calls; at the end, what was acknowledged against what is stored.
 * Run with `node --expose-gc`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/logging/logger.js';
import { createStator } from '../src/runtime/create-stator.js';
import { startPostgres, startRedisServer, type FaultServer } from '../test/integration/faults/support/fault-servers.js';
import { TransferLoad } from '../test/integration/faults/support/transfer-load.js';

const DURATION_MS = Number(process.env.SOAK_MS ?? 600_000);
const EVERY_MS = Number(process.env.SOAK_FAULT_EVERY_MS ?? 90_000);
const OUTAGE_MS = 5_000;
const WINDOW_MS = 20_000;
/** Recovery times add up over the slots: the last slot may end this much past SOAK_MS. */
const SLACK_MS = 30_000;
const PORTS = { postgres: 20105, redis: 20106 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function heapAfterGcMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

type Step = { name: string; server: 'postgres' | 'redis'; run: (s: FaultServer) => Promise<void> };
const STEPS: Step[] = [
  {
    name: 'postgres SIGKILL + restart',
    server: 'postgres',
    run: async (s) => {
      await s.crash();
      await sleep(OUTAGE_MS);
      await s.start();
    },
  },
  {
    name: 'redis stop/start',
    server: 'redis',
    run: async (s) => {
      await s.stop();
      await sleep(OUTAGE_MS);
      await s.start();
    },
  },
  {
    name: 'postgres freeze',
    server: 'postgres',
    run: async (s) => {
      s.freeze();
      await sleep(OUTAGE_MS);
      s.thaw();
    },
  },
  {
    name: 'redis SIGKILL + restart',
    server: 'redis',
    run: async (s) => {
      await s.crash();
      await sleep(OUTAGE_MS);
      await s.start();
    },
  },
  { name: 'postgres kill connections', server: 'postgres', run: (s) => s.killConnections() },
  {
    name: 'redis freeze',
    server: 'redis',
    run: async (s) => {
      s.freeze();
      await sleep(OUTAGE_MS);
      s.thaw();
    },
  },
];

async function main(): Promise<void> {
  const postgres = await startPostgres(PORTS.postgres);
  const redis = await startRedisServer(PORTS.redis);
  const dir = mkdtempSync(join(tmpdir(), 'stator-soak-'));
  const settings = { transactionTimeout: 2, commitTimeout: 1, retryMaxDelay: 0.2, cacheTimeout: 1 };
  const stator = createStator({
    config: {
      cache: {
        driver: 'redis',
        port: PORTS.redis,
        timeout: settings.cacheTimeout,
        retry_attempts: 1,
        retry_delay: 0.3,
        key_prefix: 'soak:',
      },
      database: {
        driver: 'postgresql',
        port: PORTS.postgres,
        database: 'postgres',
        username: 'postgres',
        timeout: 1,
        retry_attempts: 1,
        retry_delay: 0.3,
      },
      filesystem: { base_path: dir },
      connection_pool: { max_connections: 8, acquire_timeout: 1 },
      transaction: {
        timeout: settings.transactionTimeout,
        commit_timeout: settings.commitTimeout,
        retry_attempts: 2,
        retry_max_delay: settings.retryMaxDelay,
      },
      monitoring: { health_interval: 1 },
      supervisor: { max_restarts: 2, restart_period: 10, initial_backoff: 0.5, max_backoff: 2 },
      error_handling: {
        retry: { max_attempts: 2, delay: 0.05 },
        circuit_breaker: { shared: false, reset_timeout: 5, trial_timeout: 1 },
      },
    },
    logger: createLogger({ silent: true }),
  });
  await stator.start();
  // Outcomes go to a file, not the heap: the heap measured is Stator's.
  const journal = join(dir, 'outcomes.ndjson');
  const load = new TransferLoad(stator, {
    ...settings,
    workers: 12,
    accounts: 20,
    prefix: 'soak_',
    pattern: 'ttcc',
    journal,
  });
  await load.setup();
  const began = Date.now();
  const rate = (kind: 'transfer' | 'cache', from: number, to: number): number => load.okRate(kind, from, to);
  const heapStart = heapAfterGcMb();
  console.log(
    `soak: ${DURATION_MS / 1000} s, a fault every ${EVERY_MS / 1000} s (outage ${OUTAGE_MS / 1000} s); heap after GC at start ${heapStart.toFixed(1)} MB`,
  );
  load.start();
  let step = 0;
  let phasesFailed = 0;
  const sub = stator.status$.subscribe((s) => {
    if (s.supervisor === 'failed') phasesFailed++;
  });
  // Each slot lasts EVERY_MS (plus the recovery time): quiet, a window before, the fault, a window after.
  while (Date.now() - began + EVERY_MS <= DURATION_MS + SLACK_MS) {
    await sleep(Math.max(0, EVERY_MS - 2 * WINDOW_MS - OUTAGE_MS));
    const t0 = Date.now();
    await sleep(WINDOW_MS);
    const before = {
      tx: rate('transfer', t0, Date.now()),
      cache: rate('cache', t0, Date.now()),
      heap: heapAfterGcMb(),
    };
    const fault = STEPS[step++ % STEPS.length] as Step;
    await fault.run(fault.server === 'postgres' ? postgres : redis);
    const healed = Date.now();
    while (stator.health().status !== 'up' && Date.now() - healed < 60_000) await sleep(100);
    const recoveredMs = Date.now() - healed;
    const t1 = Date.now();
    await sleep(WINDOW_MS);
    const after = { tx: rate('transfer', t1, Date.now()), cache: rate('cache', t1, Date.now()), heap: heapAfterGcMb() };
    console.log(
      `${`#${step} ${fault.name}`.padEnd(32)} before: ${before.tx.toFixed(0).padStart(4)} tx/s ${before.cache.toFixed(0).padStart(5)} cache/s heap ${before.heap.toFixed(1)} MB` +
        ` | after: ${after.tx.toFixed(0).padStart(4)} tx/s ${after.cache.toFixed(0).padStart(5)} cache/s heap ${after.heap.toFixed(1)} MB | status up ${recoveredMs} ms after the heal`,
    );
  }
  await load.stop();
  sub.unsubscribe();
  const heapEnd = heapAfterGcMb();
  const verdict = await load.verify();
  console.log(
    `soak done: ${verdict.acknowledged} transfers acknowledged, ${verdict.failed} failed; lost ${verdict.lost.length}, doubled ${verdict.doubled.length}, ` +
      `balances ${verdict.balancesIntact ? 'intact' : 'BROKEN'}; calls past deadline + 1 s: ${load.overdue().length}; supervisor failed: ${phasesFailed}; ` +
      `heap after GC ${heapStart.toFixed(1)} -> ${heapEnd.toFixed(1)} MB; status ${stator.health().status}`,
  );
  await stator.stop();
  await postgres.dispose();
  await redis.dispose();
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
