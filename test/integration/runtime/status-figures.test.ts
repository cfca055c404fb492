import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';

// Item 8 of issue 12: each resource in the status snapshot carries its error rate and latency.
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('status snapshot: error rate and latency per resource', () => {
  it('database: a failed query shows as errors over operations of one population, with latency percentiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stator-status-figures-'));
    dirs.push(dir);
    const stator = createStator({
      config: { cache: { driver: 'memory' }, filesystem: { base_path: dir }, monitoring: { metrics_interval: 0.2 } },
      logger: createLogger({ silent: true }),
    });
    await stator.start();
    try {
      // Let one interval pass with the start's own checks in it, so the next one holds only these queries.
      await firstValueFrom(stator.metrics$);
      const knex = stator.db.knex;
      for (let i = 0; i < 4; i++) await knex.raw('select 1 as one');
      await expect(knex.raw('select * from no_such_table_status_figures')).rejects.toThrow();
      const snapshot = await firstValueFrom(
        stator.metrics$.pipe(filter((m) => m.errors.byResource.some((r) => r.resource === 'database' && r.errors > 0))),
      );
      const database = stator.health().resources.database!;
      const fromMetrics = snapshot.errors.byResource.find((r) => r.resource === 'database')!;
      expect(database.errors).toEqual(fromMetrics);
      expect(database.errors?.errors).toBe(1);
      expect(database.errors?.operations).toBeGreaterThanOrEqual(5);
      expect(database.errors?.rate).toBeCloseTo(1 / database.errors!.operations, 10);
      expect(database.latency?.count).toBeGreaterThanOrEqual(5);
      expect(database.latency?.p50).toEqual(expect.any(Number));
      expect(database.latency!.p99!).toBeGreaterThanOrEqual(database.latency!.p50!);
    } finally {
      await stator.stop();
    }
  });
});
