/**
 * Time to ready on the embedded default: `createStator()` + `start()` (memory cache, the
 * filesystem area with its required directories, SQLite through knex on Stator's pool), then
 * `stop()`, against bringing the same things up and down by hand with the raw libraries
 * (mkdir, lru-cache, better-sqlite3 with `SELECT 1`). The difference is what the supervisor,
 * the machines, the pool and the status/observability wiring cost at startup.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import { createStator } from '../src/runtime/create-stator.js';
import { measure, printComparison } from './harness.js';

const DIRS = ['cache', 'logs', 'uploads'];

/** The little of better-sqlite3 used here (the package ships no types). */
interface SqliteDatabase {
  prepare(sql: string): { get(): unknown };
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => SqliteDatabase;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function run(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'stator-bench-startup-'));
  const rawReady: number[] = [];
  const statorReady: number[] = [];
  try {
    const raw = await measure('raw: mkdir + lru-cache + better-sqlite3 SELECT 1, close', async () => {
      const t0 = performance.now();
      const dir = join(base, 'raw');
      for (const d of DIRS) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
      const cache = new LRUCache<string, string>({ max: 10_000 });
      const db = new Database(join(dir, 'stator.sqlite'));
      db.prepare('SELECT 1').get();
      rawReady.push(performance.now() - t0);
      cache.clear();
      db.close();
    });
    const stator = await measure('stator: createStator().start(), embedded default, stop()', async () => {
      const t0 = performance.now();
      const s = createStator({ config: { filesystem: { base_path: join(base, 'stator') } }, logger: { silent: true } });
      await s.start();
      statorReady.push(performance.now() - t0);
      await s.stop();
    });
    printComparison('startup: time to ready and back down (embedded default)', [raw, stator]);
    console.log(
      `median time to ready: raw ${median(rawReady).toFixed(2)} ms, stator ${median(statorReady).toFixed(2)} ms ` +
        `(${(median(statorReady) / median(rawReady)).toFixed(1)}x)`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
