/**
 * What the live dashboard costs the instance it watches.
 *
 * 1. CPU of this process (user + system, over wall time) with a running Stator serving the
 *    dashboard, metrics every second: with no dashboard open, then with one idle dashboard (its
 *    page's event stream open in another process, as a browser tab would hold it). Target: the
 *    open dashboard adds < 1% of one core.
 * 2. `cache.get` (memory cache) in paired rounds: a Stator nobody watches against a Stator with
 *    50 dashboards streaming from it (another process holds the streams). Target: the watched
 *    one within 5% (ratio >= 0.95).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStatorServer, type StatorServer } from '../src/http/server.js';
import { createLogger } from '../src/logging/logger.js';
import { createStator } from '../src/runtime/create-stator.js';
import type { Stator } from '../src/runtime/stator.js';
import { comparePaired } from './harness.js';

const CLIENT = `
const [url, n] = process.argv.slice(1);
let ready = 0;
for (let i = 0; i < Number(n); i++) {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
  const reader = res.body.getReader();
  if (++ready === Number(n)) process.stdout.write('open\\n');
  void (async () => { for (;;) { const { done } = await reader.read(); if (done) break; } })();
}
setInterval(() => undefined, 1 << 30);
`;

/** Opens `n` dashboard streams from another process; resolves once all are open. */
async function openDashboards(url: string, n: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', CLIENT, `${url}/dashboard/api/stream`, String(n)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
    child.once('exit', (code) => reject(new Error(`dashboard client exited with ${code}`)));
  });
  return child;
}

async function watched(dashboard: boolean): Promise<{ stator: Stator; server: StatorServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'stator-bench-dashboard-'));
  const stator = createStator({
    logger: createLogger({ silent: true }),
    config: { filesystem: { base_path: dir }, monitoring: { metrics_interval: 1 }, http: { enabled: false } },
  });
  await stator.start();
  const server = await startStatorServer(stator, { port: 0, showDetails: 'always', dashboard, maxStreams: 100 });
  return { stator, server, dir };
}

async function cpuPercent(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const start = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(before);
  const wallUs = Number(process.hrtime.bigint() - start) / 1000;
  return ((used.user + used.system) / wallUs) * 100;
}

async function idleCost(): Promise<void> {
  const w = await watched(true);
  const windowMs = Number(process.env.BENCH_IDLE_MS ?? 10_000);
  await cpuPercent(1000); // settle
  const alone = await cpuPercent(windowMs);
  const client = await openDashboards(w.server.url, 1);
  await cpuPercent(1000);
  const withOne = await cpuPercent(windowMs);
  client.kill('SIGKILL');
  console.log(`\n## dashboard: CPU of the instance (metrics every 1 s, ${windowMs / 1000} s windows)`);
  console.log(`no dashboard open             ${alone.toFixed(2)}% of one core`);
  console.log(`one idle dashboard open       ${withOne.toFixed(2)}% of one core`);
  const added = withOne - alone;
  console.log(
    `added by the dashboard        ${added.toFixed(2)} points  (target < 1: ${added < 1 ? 'met' : 'MISSED'})`,
  );
  await w.server.close();
  await w.stator.stop();
  rmSync(w.dir, { recursive: true, force: true });
}

async function cacheUnderDashboards(): Promise<void> {
  const plain = await watched(false);
  const seen = await watched(true);
  const clients = await openDashboards(seen.server.url, 50);
  await plain.stator.cache.set('k', { v: 1 });
  await seen.stator.cache.set('k', { v: 1 });
  const results = await comparePaired(
    'dashboard: cache.get (memory), 50 open dashboards, concurrency 1',
    [
      { name: 'Stator nobody watches', call: () => plain.stator.cache.get('k') },
      { name: 'Stator with 50 dashboards streaming', call: () => seen.stator.cache.get('k') },
    ],
    { concurrency: 1 },
  );
  const ratio = results[1]?.ratio ?? 0;
  console.log(`watched / unwatched: ${ratio.toFixed(3)}  (target >= 0.95: ${ratio >= 0.95 ? 'met' : 'MISSED'})`);
  clients.kill('SIGKILL');
  for (const w of [plain, seen]) {
    await w.server.close();
    await w.stator.stop();
    rmSync(w.dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await idleCost();
  await cacheUnderDashboards();
}
