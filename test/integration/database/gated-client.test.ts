import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gatedClient } from '../../../src/database/gated-client.js';
import type { Admission, Pipeline } from '../../../src/resilience/pipeline/pipeline.js';

/** What the gate asked of the pipeline, in order. */
interface Record {
  admitted: number;
  succeeded: number;
  failed: number;
  refusals: number;
  retries: number;
  open: boolean;
  /** The breaker's period `refuseIfOpen` reports; the periods failed acquires were counted against. */
  period: number;
  acquireFailures: number[];
}

/** A pipeline that records admissions and outcomes; `retry` makes up to 3 attempts, on any error. */
function recordingPipeline(record: Record): Pipeline {
  const refuse = (): void => {
    if (record.open) {
      record.refusals++;
      throw Object.assign(new Error('circuit open'), { code: 'CIRCUIT_OPEN' });
    }
  };
  const admission: Admission = {
    succeeded: () => void record.succeeded++,
    readSucceeded: () => void record.succeeded++,
    failed: () => void record.failed++,
  };
  return {
    admit: () => {
      refuse();
      record.admitted++;
      return admission;
    },
    refuseIfOpen: () => {
      refuse();
      return record.period;
    },
    acquireFailed: (period: number) => void record.acquireFailures.push(period),
    retry: async <T>(_operation: string, fn: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (error) {
          if (attempt >= 3) throw Object.assign(error as object, { attempts: attempt });
          record.retries++;
        }
      }
    },
  } as unknown as Pipeline;
}

describe('gatedClient: the database pipeline in front of every query (SQLite in memory)', () => {
  let record: Record;
  let knex: Knex;

  beforeEach(() => {
    record = {
      admitted: 0,
      succeeded: 0,
      failed: 0,
      refusals: 0,
      retries: 0,
      open: false,
      period: 0,
      acquireFailures: [],
    };
    const pipeline = recordingPipeline(record);
    knex = knexFactory({
      client: gatedClient('sqlite', () => pipeline),
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
      acquireConnectionTimeout: 300,
    });
  });

  afterEach(async () => {
    await knex.destroy();
  });

  it('admits and counts each statement once, a schema builder statement by statement', async () => {
    await knex.raw('select 1');
    expect(record).toMatchObject({ admitted: 1, succeeded: 1, failed: 0 });
    // Two statements in one run: the table and its index.
    await knex.schema.createTable('gated_items', (t) => {
      t.integer('id');
      t.index(['id']);
    });
    expect(record).toMatchObject({ admitted: 3, succeeded: 3, failed: 0 });
  });

  it('retries a failed read on fresh runners, counting every attempt, and never a write', async () => {
    const read = await knex('missing_table')
      .select()
      .then(
        () => undefined,
        (e: unknown) => e as { attempts?: number },
      );
    expect(read?.attempts).toBe(3);
    expect(record).toMatchObject({ admitted: 3, failed: 3, retries: 2 });
    const write = await knex('missing_table')
      .insert({ id: 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(write).toBeInstanceOf(Error);
    expect(record).toMatchObject({ admitted: 4, failed: 4, retries: 2 });
  });

  it('refuses at once while open, without running the statement or admitting it', async () => {
    record.open = true;
    await expect(knex.raw('insert into nothing values (1)')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(record).toMatchObject({ admitted: 0, succeeded: 0, failed: 0, refusals: 1 });
  });

  it('inside a transaction counts the statements, not BEGIN and COMMIT', async () => {
    await knex.transaction(async (trx) => {
      await trx.raw('select 1');
      await trx.raw('select 2');
    });
    expect(record).toMatchObject({ admitted: 2, succeeded: 2, failed: 0 });
  });

  it('counts an acquire that timed out against the breaker period in which it started, not a later one', async () => {
    // The only connection is held: a query and a transaction wait for it.
    const holder = await knex.transaction();
    const read = knex.raw('delete from nothing').then(
      () => undefined,
      (e: unknown) => e as { name?: string },
    );
    const trx = knex.transaction().then(
      () => undefined,
      (e: unknown) => e as { name?: string },
    );
    // Meanwhile (knex's transaction asks for its connection a tick later) the breaker opened and
    // closed again: a new closed period.
    await new Promise((resolve) => setTimeout(resolve, 50));
    record.period = 1;
    expect((await read)?.name).toBe('KnexTimeoutError');
    expect((await trx)?.name).toBe('KnexTimeoutError');
    await holder.rollback();
    // Both failures went to the period they started in (where a breaker no longer counts them).
    expect(record.acquireFailures).toEqual([0, 0]);
    expect(record).toMatchObject({ admitted: 0, failed: 0 });
  });
});
