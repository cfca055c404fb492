import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCircuitOpenError } from '../../../src/errors/circuit-open-error.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { CircuitBreaker } from '../../../src/resilience/breaker/circuit-breaker.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import { FaultProxy } from './support/fault-proxy.js';

// Ports of this file: the fault suite's range is 20100–20199. The shared PostgreSQL behind the proxy.
const PROXY_PORT = 20120;
const TABLE = 'recovery_seq_items';

const capture = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('the recovery sequence on application calls (stator.db.knex, stator.db.read)', () => {
  let proxy: FaultProxy;
  let stator: Stator;
  let dir: string;
  const breaker = (): CircuitBreaker => stator.breaker('database') as CircuitBreaker;

  beforeAll(async () => {
    proxy = new FaultProxy(PROXY_PORT, 5432);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'stator-recovery-seq-'));
    stator = createStator({
      config: {
        database: {
          driver: 'postgresql',
          port: PROXY_PORT,
          database: 'test',
          username: 'postgres',
          timeout: 2,
          retry_attempts: 0,
        },
        filesystem: { base_path: dir },
        connection_pool: { max_connections: 2, acquire_timeout: 2 },
        monitoring: { health_interval: 3600 },
        error_handling: {
          retry: { max_attempts: 3, delay: 0.01, jitter: 'none' },
          circuit_breaker: { shared: false, minimum_calls: 1000, consecutive_failures: 0, reset_timeout: 600 },
          fallback: { strategies: ['cache', 'local', 'default'] },
        },
      },
      logger: createLogger({ silent: true }),
    });
    await stator.start();
    await stator.db.knex.schema.dropTableIfExists(TABLE);
    await stator.db.knex.schema.createTable(TABLE, (t) => {
      t.integer('id').primary();
      t.string('name');
    });
  }, 60_000);

  afterAll(async () => {
    breaker()?.reset();
    await proxy.heal();
    await stator?.db.knex.schema.dropTableIfExists(TABLE).catch(() => undefined);
    await stator?.stop();
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts every query, inside transactions too, in the database breaker', async () => {
    const before = breaker().windowCounts().calls;
    await stator.db.knex(TABLE).select();
    await stator.db.knex.raw('select 1');
    await stator.db.transaction(async (trx) => {
      await trx(TABLE).insert({ id: 1, name: 'one' });
      await trx(TABLE).where({ id: 1 }).first();
    });
    // 2 outside + 2 inside; BEGIN and COMMIT are transaction control, counted by nobody.
    expect(breaker().windowCounts().calls - before).toBe(4);
  });

  it('refuses queries at once with CIRCUIT_OPEN while the breaker is open, before any pool wait, and inside a running transaction', async () => {
    const inTransaction = stator.db.transaction(
      async (trx) => {
        await trx(TABLE).select();
        breaker().isolate();
        await trx(TABLE).insert({ id: 2, name: 'two' });
      },
      { retries: 0 },
    );
    const error = await capture(inTransaction);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(await capture(stator.db.knex(TABLE).select())).toMatchObject({ code: 'CIRCUIT_OPEN' });
    const pool = (stator.health().resources.database?.details as { pool: { pending: number } }).pool;
    expect(pool.pending).toBe(0);
    breaker().reset();
    // The refused transaction rolled back (its ROLLBACK was not refused): no row 2.
    expect(await stator.db.knex(TABLE).where({ id: 2 })).toEqual([]);
  });

  it('retries reads outside a transaction on transient errors, never writes, and counts the failures', async () => {
    const retries: string[] = [];
    const sub = stator.events$.subscribe((e) => {
      if (e.source === 'resilience.database' && e.type === 'retry.attempt') retries.push(String(e.data?.operation));
    });
    const failuresBefore = breaker().windowCounts().failures;
    await proxy.refuse();
    try {
      const read = (await capture(stator.db.knex(TABLE).select())) as { attempts?: number };
      expect(read.attempts).toBe(3);
      expect(retries).toEqual(['read', 'read']);
      await capture(stator.db.knex(TABLE).insert({ id: 3, name: 'three' }));
      expect(retries).toEqual(['read', 'read']); // the write: one attempt
      expect(breaker().windowCounts().failures - failuresBefore).toBe(4);
    } finally {
      sub.unsubscribe();
      await proxy.heal();
    }
    // The pool reconnects in the background: wait for it (reads retry meanwhile).
    for (let i = 0; i < 100; i++) {
      if (
        await stator.db.knex.raw('select 1').then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await stator.db.knex(TABLE).where({ id: 3 })).toEqual([]);
  });

  it('stator.db.read answers from the primary, then from the fallback strategies when the database does not', async () => {
    const query = (knex: typeof stator.db.knex) => knex(TABLE).where({ id: 1 }).select('name');
    expect(await stator.db.read('item:1', query)).toEqual({
      value: [{ name: 'one' }],
      source: 'primary',
      stale: false,
    });
    breaker().isolate();
    try {
      const served = await stator.db.read('item:1', query);
      expect(served).toMatchObject({
        value: [{ name: 'one' }],
        source: 'cache',
        stale: true,
        error: { code: 'CIRCUIT_OPEN' },
      });
      // Nothing remembered for this key: the default answers.
      expect(
        await stator.db.read('item:missing', (knex) => knex(TABLE).where({ id: 99 }), { default: [] }),
      ).toMatchObject({
        value: [],
        source: 'default',
        stale: true,
      });
      // No default and nothing remembered: the error itself.
      expect(await capture(stator.db.read('item:none', (knex) => knex(TABLE)))).toMatchObject({ code: 'CIRCUIT_OPEN' });
    } finally {
      breaker().reset();
    }
  });
});
