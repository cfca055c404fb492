/**
 * Model-based test of machines/transaction.machine.ts against the real database layer
 * (src/database: transaction runner and session, knex on Stator's pool) and a real PostgreSQL, in
 * a database of this file's own, with the Stator on a TestClock.
 *
 * How each model event is caused:
 * - `done` of `runBody`: the caller's function returns (after its INSERT).
 * - `error` of `runBody`: the function throws; or, for a serialization failure, it reads a row
 *   under REPEATABLE READ, another session updates that row, and its own UPDATE fails with 40001;
 *   or, for a lost connection, it runs `pg_sleep` and the driver terminates its backend
 *   (`pg_terminate_backend` from another session), so the statement fails with 57P01; or, for a
 *   failure after the connection was lost, the driver terminates the backend while the function
 *   waits, then the function throws an error of its own.
 * - `xstate.after.transactionTimeout`: the function hangs and the clock passes `transaction.timeout`.
 * - `ABORT`: `stator.stop()` while the transaction runs (or backs off); the database layer drains
 *   until `supervisor.stop_timeout`, then rolls back what still runs.
 * - `done` / `error` of `commit`: a deferred constraint trigger runs at COMMIT and waits on an
 *   advisory lock the driver holds; the driver releases it (and, for an error, first holds the
 *   lock that makes the trigger raise 23514, or 40001 for a serialization failure).
 * - `done` of `rollBack`: the database answers the ROLLBACK; the driver cannot hold that, so the
 *   step before it passes through `rollingBack` (`passThrough`), and this step waits for it.
 * - `error` of `rollBack`: the ROLLBACK runs on the connection whose backend the driver terminated
 *   in the step before (the two kinds of body error above), fails for real, and src/database
 *   rejects with RollbackFailedError carrying its verdict: retry after a lost connection (→
 *   `retrying` with retries left, `rolledBack` on the last attempt), no retry after the
 *   function's own error (→ `rolledBack`). The model knows which from the body error in context.
 * - `xstate.after.retryBackoff`: the clock moves to the end of the back-off.
 */
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventObject, Snapshot } from 'xstate';
import { transactionMachine, type TransactionContext } from '../../machines/transaction.machine.js';
import { createDatabaseLayer, type DatabaseLayer } from '../../src/database/database-layer.js';
import { createLogger } from '../../src/logging/logger.js';
import { TestClock } from '../../src/kernel/clock.js';
import { createStator } from '../../src/runtime/create-stator.js';
import { advanceToTimer, Deferred } from './controlled-layer.js';
import { machineEvents, type ModelEvent } from './model-events.js';
import { formatCoverage, runModel, type Driver, type MachineModel, type ModelReport } from './model.js';
import type { MachineProbe } from './probe.js';

const DB = `stator_model_tx_${process.pid}`;
const SERVER = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const GATE = 4242;
const REFUSE = 4343;
const CONFLICT = 4444;
const TIMEOUT_MS = 5_000;
const dir = mkdtempSync(path.join(tmpdir(), 'stator-model-tx-'));

beforeAll(async () => {
  const admin = new pg.Client({ ...SERVER, database: 'test' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const db = new pg.Client({ ...SERVER, database: DB });
  await db.connect();
  await db.query(`
    CREATE TABLE model_tx (id serial PRIMARY KEY, attempt int NOT NULL);
    CREATE TABLE model_counter (id int PRIMARY KEY, v int NOT NULL);
    INSERT INTO model_counter VALUES (1, 0);
    CREATE FUNCTION model_tx_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock_shared(${GATE});
      IF NOT pg_try_advisory_xact_lock_shared(${REFUSE}) THEN
        RAISE EXCEPTION 'commit refused by model_tx_commit' USING ERRCODE = '23514';
      END IF;
      IF NOT pg_try_advisory_xact_lock_shared(${CONFLICT}) THEN
        RAISE EXCEPTION 'could not serialize access due to concurrent update' USING ERRCODE = '40001';
      END IF;
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER model_tx_commit AFTER INSERT ON model_tx
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION model_tx_commit();
  `);
  await db.end();
});

afterAll(async () => {
  const admin = new pg.Client({ ...SERVER, database: 'test' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

type Command = 'ok' | 'fail' | 'conflict' | 'sleep' | 'failAfterLoss';

const serialization = { name: 'error', message: 'could not serialize access due to concurrent update', code: '40001' };
const failure = { name: 'Error', message: 'the function failed' };
const lost = { name: 'error', message: 'terminating connection due to administrator command', code: '57P01' };
const LOST_THEN_FAILED = 'the function failed after its connection was lost';
const failureAfterLoss = { name: 'Error', message: LOST_THEN_FAILED };
const refused = { name: 'error', message: 'commit refused by model_tx_commit', code: '23514' };

type ErrorKind = 'contention' | 'lost' | 'failedAfterLoss' | 'other';
const kindOf = (error: unknown): ErrorKind => {
  const e = error as { code?: string; message?: string } | undefined;
  if (e?.code === '40001') return 'contention';
  if (e?.code === '57P01') return 'lost';
  if (e?.message === LOST_THEN_FAILED) return 'failedAfterLoss';
  return 'other';
};
const isContention = (error: unknown): boolean => kindOf(error) === 'contention';

const ACTIVE = 'xstate.error.actor.0.transaction.active';
const COMMITTING = 'xstate.error.actor.0.transaction.committing';
const ROLLING = 'xstate.done.actor.0.transaction.rollingBack';
const ROLLING_ERROR = 'xstate.error.actor.0.transaction.rollingBack';

const events = machineEvents(transactionMachine, {
  ABORT: [{ type: 'ABORT', reason: 'database stopping' }],
  [ACTIVE]: [
    { type: ACTIVE, error: failure },
    { type: ACTIVE, error: serialization },
    { type: ACTIVE, error: lost },
    { type: ACTIVE, error: failureAfterLoss },
  ],
  [COMMITTING]: [
    { type: COMMITTING, error: refused },
    { type: COMMITTING, error: serialization },
  ],
  [ROLLING]: [
    { type: ROLLING, output: { retry: true, backoffMs: 10_000 } },
    { type: ROLLING, output: { retry: false, backoffMs: 0 } },
  ],
  // What src/database rejects with when ROLLBACK fails (RollbackFailedError's verdict fields).
  [ROLLING_ERROR]: [
    { type: ROLLING_ERROR, error: { code: 'ROLLBACK_FAILED', retry: true, backoffMs: 10_000 } },
    { type: ROLLING_ERROR, error: { code: 'ROLLBACK_FAILED', retry: false, backoffMs: 0 } },
  ],
});

const contextOf = (s: Snapshot<unknown>): TransactionContext =>
  (s as unknown as { context: TransactionContext }).context;

const model: MachineModel = {
  machine: transactionMachine,
  input: { id: 1, maxRetries: 1, timeoutMs: TIMEOUT_MS },
  passThrough: true,
  events: (snapshot) => {
    const context = contextOf(snapshot);
    const kind = kindOf(context.error);
    // What src/database decides after a rollback: retry a serialization failure in the body or at
    // COMMIT, and a connection lost in the body.
    const retry =
      ((context.failedIn === 'body' || context.failedIn === 'commit') && kind === 'contention') ||
      (context.failedIn === 'body' && kind === 'lost');
    // ROLLBACK fails when the driver terminated the backend during the body.
    const rollbackFails = context.failedIn === 'body' && (kind === 'lost' || kind === 'failedAfterLoss');
    const verdict = (e: EventObject): boolean | undefined =>
      (e as ModelEvent & { output?: { retry: boolean }; error?: { retry: boolean } }).output?.retry ??
      (e as ModelEvent & { error?: { retry: boolean } }).error?.retry;
    return events.filter((e) => {
      if (e.type === ROLLING) return !rollbackFails && verdict(e) === retry;
      if (e.type === ROLLING_ERROR) return rollbackFails && verdict(e) === retry;
      return true;
    });
  },
  serialize: (s) => {
    const c = contextOf(s);
    return JSON.stringify([(s as unknown as { value: unknown }).value, c.attempt, c.failedIn, kindOf(c.error)]);
  },
  createDriver: (probe) => createDriver(probe),
};

async function createDriver(probe: MachineProbe): Promise<Driver> {
  const clock = new TestClock(Date.now());
  let layer: DatabaseLayer | undefined;
  const stator = createStator({
    clock,
    logger: createLogger({ silent: true }),
    inspect: probe.inspect,
    config: {
      filesystem: { base_path: dir },
      database: { driver: 'postgresql', host: SERVER.host, port: SERVER.port, username: SERVER.user, database: DB },
      connection_pool: { max_connections: 2 },
      transaction: {
        isolation_level: 'REPEATABLE_READ',
        timeout: TIMEOUT_MS / 1000,
        retry_attempts: 1,
        retry_delay: 10,
        retry_max_delay: 10,
      },
      supervisor: { stop_timeout: 1 },
    },
    // The built-in database layer, with its back-off jitter pinned (10 s exactly).
    layers: { database: (ctx) => (layer = createDatabaseLayer(ctx, { random: () => 1 })) },
  });
  await stator.start();
  const locks = new pg.Client({ ...SERVER, database: DB });
  const other = new pg.Client({ ...SERVER, database: DB });
  await Promise.all([locks.connect(), other.connect()]);
  await locks.query('SELECT pg_advisory_lock($1)', [GATE]);

  let command: Deferred<Command> | undefined;
  let bodyWaits = new Deferred<void>();
  /** The PostgreSQL backend of the attempt in progress. */
  let backend: number | undefined;
  const db = (layer as DatabaseLayer).api;
  const running = db
    .transaction(
      async (trx, { attempt }) => {
        await trx('model_tx').insert({ attempt });
        backend = ((await trx.raw('SELECT pg_backend_pid() AS pid')) as { rows: Array<{ pid: number }> }).rows[0]?.pid;
        command = new Deferred<Command>();
        bodyWaits.resolve();
        const what = await command.promise;
        if (what === 'fail') throw new Error('the function failed');
        if (what === 'failAfterLoss') throw new Error(LOST_THEN_FAILED);
        if (what === 'sleep') await trx.raw('SELECT pg_sleep(60)');
        if (what === 'conflict') {
          await trx('model_counter').where({ id: 1 }).first();
          await other.query('UPDATE model_counter SET v = v + 1 WHERE id = 1');
          await trx('model_counter').where({ id: 1 }).increment('v', 1);
        }
      },
      { retries: 1, timeout: TIMEOUT_MS / 1000 },
    )
    .catch(() => undefined);
  let stopping: Promise<unknown> | undefined;

  const value = (): string => JSON.stringify((probe.snapshot() as { value?: unknown } | undefined)?.value);
  /** Real time: the database answers on its own schedule. */
  const until = async (what: string, done: () => boolean): Promise<void> => {
    for (let i = 0; i < 500 && !done(); i++) {
      await new Promise((r) => setTimeout(r, 5));
      await clock.advance(0);
    }
    if (!done()) throw new Error(`transaction driver: gave up waiting for ${what} (state ${value()})`);
  };
  const bodyReady = async (): Promise<void> => {
    await until('the function to wait for its command', () => command !== undefined);
    await bodyWaits.promise;
  };
  const send = async (what: Command): Promise<void> => {
    const c = command;
    if (!c) throw new Error('transaction driver: the function is not running');
    command = undefined;
    bodyWaits = new Deferred<void>();
    c.resolve(what);
  };
  const leave = (state: string): Promise<void> =>
    until(`the transaction to leave ${state}`, () => value() !== JSON.stringify(state));
  /** Real time: polls the server until `sql` (on `locks`, with the attempt's backend as $1) returns a row. */
  const untilServer = async (what: string, sql: string): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      if ((await locks.query(sql, [backend])).rowCount) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`transaction driver: gave up waiting for ${what}`);
  };
  /** Terminates the attempt's backend from another session and waits until it is gone. */
  const terminate = async (): Promise<void> => {
    if (backend === undefined) throw new Error('transaction driver: the attempt has no backend');
    await locks.query('SELECT pg_terminate_backend($1)', [backend]);
    await untilServer(
      'the backend to end',
      'SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)',
    );
  };
  const commitWith = async (lock?: number): Promise<void> => {
    if (lock) await locks.query('SELECT pg_advisory_lock($1)', [lock]);
    await locks.query('SELECT pg_advisory_unlock($1)', [GATE]);
    await leave('committing');
    if (lock) await locks.query('SELECT pg_advisory_unlock($1)', [lock]);
    await locks.query('SELECT pg_advisory_lock($1)', [GATE]);
  };

  await bodyReady();
  return {
    async apply(event: EventObject) {
      const e = event as ModelEvent;
      switch (event.type) {
        case 'xstate.done.actor.0.transaction.active':
          await send('ok');
          await until('COMMIT to start', () => value() !== '"active"');
          return;
        case ACTIVE: {
          const kind = kindOf(e.error);
          if (kind === 'lost') {
            // Killed mid-statement: the function waits in pg_sleep when its backend is terminated.
            await send('sleep');
            await untilServer(
              'the function to sleep',
              `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'`,
            );
            await terminate();
          } else if (kind === 'failedAfterLoss') {
            // The connection dies while the function waits; then the function fails on its own.
            await terminate();
            await send('failAfterLoss');
          } else {
            await send(kind === 'contention' ? 'conflict' : 'fail');
          }
          await leave('active');
          return;
        }
        case 'xstate.after.transactionTimeout.transaction.active':
          await advanceToTimer(clock, probe.ref() as never, event.type);
          return;
        case 'ABORT':
          stopping = stator.stop();
          await clock.advance(0);
          await clock.advance(1_000); // supervisor.stop_timeout: the drain gives up, running transactions are aborted
          return;
        case 'xstate.done.actor.0.transaction.committing':
          return commitWith();
        case COMMITTING:
          return commitWith(isContention(e.error) ? CONFLICT : REFUSE);
        case ROLLING:
        case ROLLING_ERROR:
          await leave('rollingBack');
          return;
        case 'xstate.after.retryBackoff.transaction.retrying':
          await advanceToTimer(clock, probe.ref() as never, event.type);
          await bodyReady();
          return;
        default:
          throw new Error(`transaction driver: no stimulus for ${event.type}`);
      }
    },
    async dispose() {
      command?.resolve('fail');
      await locks.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await Promise.race([running, new Promise((r) => setTimeout(r, 2_000))]);
      stopping ??= stator.stop();
      for (let i = 0; i < 5; i++) await clock.advance(1_000);
      await stopping;
      await Promise.all([locks.end(), other.end()]);
    },
  };
}

let result: ModelReport | undefined;
afterAll(() => {
  if (result) console.log(formatCoverage(result));
});

describe('transaction machine, model-based, against the database layer on PostgreSQL', () => {
  it('takes every transition of the model in the real implementation', async () => {
    result = await runModel(model);
    expect(result.failures).toEqual([]);
    expect(result.direct).toEqual([]);
    expect(result.uncovered).toEqual([]);
    expect(result.direct).toEqual([]);
    expect(result.covered.size).toBe(result.total);
  });
});
