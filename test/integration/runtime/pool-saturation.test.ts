import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPoolTimeoutError } from '../../../src/errors/pool-timeout-error.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Seen in the fault suite right after a PostgreSQL restart: a burst of callers outran a pool that
// was still opening its connections, their acquires timed out, and those timeouts opened the
// breaker (5 in a row) and marked the database down although it answered every query it got.
describe('a saturated pool in front of a healthy database (PostgreSQL)', () => {
  it('refuses the overflow with POOL_TIMEOUT, but neither opens the breaker nor marks the database down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stator-saturation-'));
    dirs.push(dir);
    const stator = createStator({
      config: {
        cache: { driver: 'memory' },
        filesystem: { base_path: dir },
        database: { driver: 'postgresql', host: '127.0.0.1', port: 5432, username: 'postgres', database: 'test' },
        connection_pool: { max_connections: 2, acquire_timeout: 0.2 },
        error_handling: {
          retry: { max_attempts: 1 },
          circuit_breaker: { shared: false, consecutive_failures: 5, reset_timeout: 30 },
        },
      },
      logger: createLogger({ silent: true }),
    });
    await stator.start();
    const statuses = new Set<string>();
    const breakerStates = new Set<string>();
    const sub = stator.status$.subscribe((s) => {
      statuses.add(s.status);
      const breaker = (s.resources.database as { breaker?: { state?: string } } | undefined)?.breaker;
      if (breaker?.state) breakerStates.add(breaker.state);
    });
    try {
      // 60 reads, each holding one of 2 connections for 100 ms: about 4 get one within 200 ms.
      // (Reads outside a transaction: with retry.max_attempts 1 nothing is retried.)
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, () =>
          stator.db.knex.raw('select pg_sleep(0.1)').then(
            () => 'ok',
            (error: unknown) => (isPoolTimeoutError(error) ? 'POOL_TIMEOUT' : String(error)),
          ),
        ),
      );
      const timeouts = outcomes.filter((o) => o === 'POOL_TIMEOUT').length;
      expect(outcomes.filter((o) => o !== 'ok' && o !== 'POOL_TIMEOUT')).toEqual([]);
      // The overflow really was refused, more often than the breaker's threshold.
      expect(timeouts).toBeGreaterThan(5);
      expect(outcomes).toContain('ok');
      // The database answered: no breaker opened, status never left up, and the next call is admitted.
      expect([...breakerStates]).not.toContain('open');
      expect([...statuses]).toEqual(['up']);
      await expect(stator.db.knex.raw('select 1')).resolves.toBeDefined();
    } finally {
      sub.unsubscribe();
      await stator.stop();
    }
  });
});
