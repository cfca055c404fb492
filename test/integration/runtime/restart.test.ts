import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';

// Item 6 of issue 12: a stopped Stator can be started again, and everything comes back.
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const prefix = `restart_${process.pid}_`;
const SETUPS: Record<string, StatorConfigInput> = {
  'SQLite + memory cache': { cache: { driver: 'memory' } },
  'PostgreSQL + Redis': {
    cache: { driver: 'redis', host: '127.0.0.1', port: 6379, key_prefix: `stator-test:${prefix}` },
    database: { driver: 'postgresql', host: '127.0.0.1', port: 5432, username: 'postgres', database: 'test' },
  },
};

/** Cache, filesystem and database calls, each answering what was written in this run. */
async function useEverything(stator: Stator, run: number): Promise<void> {
  await stator.cache.set('k', { run });
  expect(await stator.cache.get('k')).toEqual({ run });
  await stator.fs.writeFile('run.txt', `run ${run}`);
  expect(await stator.fs.readFile('run.txt', 'utf8')).toBe(`run ${run}`);
  const table = `${prefix}runs`;
  const knex = stator.db.knex;
  if (!(await knex.schema.hasTable(table))) await knex.schema.createTable(table, (t) => t.integer('run'));
  await stator.db.transaction(async (trx) => trx(table).insert({ run }));
  const rows: Array<{ run: number }> = await knex(table).select('run').orderBy('run');
  expect(rows.map((r) => r.run)).toEqual(Array.from({ length: run }, (_, i) => i + 1));
}

async function expectClosed(stator: Stator): Promise<void> {
  const calls: Array<() => unknown> = [
    () => stator.cache.get('k'),
    () => stator.fs.readFile('run.txt'),
    () => stator.db.transaction(async () => 1),
  ];
  for (const call of calls) {
    await expect((async () => call())()).rejects.toMatchObject({
      code: 'CAPABILITY_UNAVAILABLE',
      message: expect.stringMatching(/was stopped/),
    });
  }
}

describe('a stopped Stator starts again', () => {
  for (const [name, config] of Object.entries(SETUPS)) {
    it(`${name}: start, stop, start, stop, start: calls work and status is up each time`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'stator-restart-'));
      dirs.push(dir);
      const stator = createStator({
        config: { ...config, filesystem: { base_path: dir } },
        logger: createLogger({ silent: true }),
      });
      try {
        for (let run = 1; run <= 3; run++) {
          await stator.start();
          expect(stator.health()).toMatchObject({ status: 'up', supervisor: 'running' });
          expect(Object.values(stator.health().resources).map((r) => r.state)).toEqual(['ready', 'ready', 'ready']);
          await useEverything(stator, run);
          expect(stator.breaker('database')?.state).toBe('closed');
          const report = await stator.stop();
          expect(report).toMatchObject({ clean: true });
          expect([...report.order].sort()).toEqual(['cache', 'database', 'filesystem']);
          expect(stator.health().supervisor).toBe('stopped');
          await expectClosed(stator);
        }
      } finally {
        await stator.start();
        await stator.db.knex.schema.dropTableIfExists(`${prefix}runs`);
        await stator.cache.delete('k');
        await stator.stop();
      }
    });
  }
});
