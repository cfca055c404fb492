import type { Knex } from 'knex';
import { fromPromise, toPromise } from 'xstate';
import {
  transactionMachine,
  type RollbackOutcome,
  type TransactionAttemptInput,
  type TransactionOutput,
} from '../../machines/transaction.machine.js';
import { TransactionAbortedError } from '../errors/transaction-aborted-error.js';
import { TransactionCommitUnknownError } from '../errors/transaction-commit-unknown-error.js';
import { TransactionRefusedError } from '../errors/transaction-refused-error.js';
import { TransactionTimeoutError } from '../errors/transaction-timeout-error.js';
import { captureAcquireSite, runWithAcquireSite } from '../pool/acquire-site.js';
import { startMachine } from '../runtime/actor.js';
import type { RuntimeContext } from '../runtime/context.js';
import { BEGIN_PLAN, type BeginPlan } from './begin-override.js';
import type { DatabaseConnection } from './database-connection.js';
import type { DatabaseMetrics } from './database-metrics.js';
import { withDeadline } from './deadline.js';
import type { Dialect } from './dialect.js';
import { CONTENTION_KINDS, failureKind } from './failure-kind.js';
import { beginStatements, endStatement } from './isolation.js';
import type { QueryTracker } from './query-tracker.js';
import { retryBackoffMs } from './retry-backoff.js';
import type { InvalidationSpec, TransactionAttempt, TransactionOptions, TransactionResult } from './stator-db.js';
import { TransactionLog } from './transaction-log.js';
import type { TransactionRegistry } from './transaction-registry.js';
import { transactionScope, type TransactionScope } from './transaction-scope.js';
import { invalidateAfterCommit } from './after-commit-invalidation.js';

/** What the transaction runner works with; one per database layer. */
export interface TransactionEnv {
  readonly ctx: RuntimeContext;
  readonly dialect: Dialect;
  readonly knex: Knex;
  /** Cancels the statement running on a connection from a separate one (absent: not possible). */
  readonly cancel: (connection: DatabaseConnection) => Promise<void>;
  readonly tracker: QueryTracker;
  readonly metrics: DatabaseMetrics;
  readonly registry: TransactionRegistry;
  /** The cache's invalidation, for `invalidates` after commit. */
  readonly invalidate?: (spec: InvalidationSpec) => Promise<void>;
  readonly random?: () => number;
}

type Body<T> = (trx: Knex.Transaction, attempt: TransactionAttempt) => Promise<T>;

/** One attempt's resources: they live outside the machine, which only knows the attempt number. */
interface Attempt<T> {
  readonly number: number;
  readonly log: TransactionLog;
  readonly invalidations: InvalidationSpec[];
  trx?: Knex.Transaction;
  connection?: DatabaseConnection;
  /** knex's execution promise: settles when COMMIT/ROLLBACK finished (rejects when it failed). */
  done?: Promise<unknown>;
  value?: T;
  /** Given up (timeout, abort) before BEGIN finished: a late BEGIN rolls itself back. */
  abandoned: boolean;
}

let sequence = 0;
const noop = (): void => undefined;

/**
 * Runs `fn` as a transaction: a savepoint when called inside another transaction of the same
 * layer, otherwise a top-level transaction driven by `machines/transaction.machine.ts`.
 */
export function runTransaction<T>(env: TransactionEnv, fn: Body<T>, options: TransactionOptions = {}): Promise<TransactionResult<T>> {
  const scope = transactionScope.getStore();
  if (scope && scope.owner === env.registry && !scope.trx.isCompleted()) return runSavepoint(scope, fn, options);
  const refused = env.registry.refusedReason;
  if (refused !== undefined) {
    env.metrics.transaction('refused');
    return Promise.reject(new TransactionRefusedError(refused));
  }
  // knex acquires the connection in a later tick, where the stack no longer shows the caller:
  // name the caller's site for the pool's leak reports and POOL_TIMEOUT messages.
  return runWithAcquireSite(captureAcquireSite(), () => runTopLevel(env, fn, options));
}

async function runSavepoint<T>(scope: TransactionScope, fn: Body<T>, options: TransactionOptions): Promise<TransactionResult<T>> {
  const invalidations: InvalidationSpec[] = [];
  const from = scope.log.entries.length;
  const value = (await scope.trx.transaction((sp) =>
    transactionScope.run({ ...scope, trx: sp, invalidations }, () => fn(sp, { attempt: 1, signal: scope.signal })),
  )) as T;
  if (options.invalidates) invalidations.push(options.invalidates);
  scope.invalidations.push(...invalidations);
  return { value, attempts: 1, log: scope.log.entries.slice(from) };
}

async function runTopLevel<T>(env: TransactionEnv, fn: Body<T>, options: TransactionOptions): Promise<TransactionResult<T>> {
  const { ctx, dialect, knex, tracker, metrics } = env;
  const section = ctx.config.transaction;
  const level = options.isolationLevel ?? section.isolation_level;
  const readOnly = options.readOnly ?? false;
  const timeoutMs = (options.timeout ?? section.timeout) * 1000;
  const maxRetries = options.retries ?? section.retry_attempts;
  const statements = beginStatements(dialect, level, readOnly);
  const end = endStatement(dialect, readOnly);
  const dbTimeoutMs = ctx.config.database.timeout * 1000 || 30_000;
  const id = ++sequence;
  const source = `transaction.${id}`;
  let current: Attempt<T> | undefined;
  let lastError: unknown;

  const retire = (connection: DatabaseConnection | undefined, reason: unknown): void => {
    if (connection && !connection.__knex__disposed) connection.__knex__disposed = reason ?? 'transaction clean-up failed';
  };
  const resetConnection = (attempt: Attempt<T>): void => {
    // SQLite read-only: undo PRAGMA query_only on the raw (synchronous) connection, whatever knex's state.
    if (!end || !attempt.connection) return;
    try {
      (attempt.connection as unknown as { exec(sql: string): void }).exec(end);
    } catch (error) {
      retire(attempt.connection, error);
    }
  };
  const release = (attempt: Attempt<T>): void => {
    const uid = attempt.connection?.__knexUid;
    if (uid !== undefined) tracker.unwatch(uid);
  };
  const rollBackLate = (attempt: Attempt<T>, trx: Knex.Transaction): void => {
    resetConnection(attempt);
    void Promise.resolve(trx.rollback())
      .then(() => attempt.done)
      .catch((error: unknown) => retire(attempt.connection, error))
      .finally(() => release(attempt));
  };

  const runBody = fromPromise<void, TransactionAttemptInput>(async ({ input, signal }) => {
    if (input.attempt > 1) {
      const reason = failureKind(dialect, lastError);
      metrics.retry(reason);
      ctx.events.emit(source, 'transaction.retry', { attempt: input.attempt, reason });
    }
    const attempt: Attempt<T> = { number: input.attempt, log: new TransactionLog(), invalidations: [], abandoned: false };
    current = attempt;
    const plan: BeginPlan = {
      statements,
      onConnection: (connection) => {
        attempt.connection = connection;
        if (connection.__knexUid !== undefined) tracker.watch(connection.__knexUid, attempt.log);
      },
      onStatement: (sql, durationMs, error) =>
        attempt.log.add({ statement: sql, durationMs, ...(error !== undefined ? { error: errorCode(error) } : {}) }),
    };
    const trx = await knex.transaction({ [BEGIN_PLAN]: plan } as Knex.TransactionConfig);
    attempt.done = trx.executionPromise;
    attempt.done.catch(noop);
    attempt.trx = trx;
    if (attempt.abandoned || signal.aborted) {
      rollBackLate(attempt, trx);
      throw signal.reason ?? new Error('transaction attempt abandoned');
    }
    if (trx.isCompleted()) {
      await attempt.done; // rejects with the reason BEGIN failed
      throw new Error('BEGIN failed');
    }
    const scope: TransactionScope = { owner: env.registry, trx, log: attempt.log, signal, invalidations: attempt.invalidations };
    attempt.value = await transactionScope.run(scope, () => fn(trx, { attempt: input.attempt, signal }));
  });

  const commit = fromPromise<void, TransactionAttemptInput>(async () => {
    const attempt = current;
    const trx = attempt?.trx;
    if (!attempt || !trx) throw new Error('no transaction to commit');
    if (trx.isCompleted()) {
      await attempt.done;
      throw new TransactionAbortedError('the function committed or rolled back the transaction itself; let stator.db.transaction do it (throw to roll back)');
    }
    resetConnection(attempt);
    const started = performance.now();
    const response: unknown = await trx.commit();
    await attempt.done;
    attempt.log.add({ statement: 'COMMIT', durationMs: performance.now() - started });
    release(attempt);
    if ((response as { response?: { command?: unknown } } | undefined)?.response?.command === 'ROLLBACK') {
      throw new TransactionAbortedError('an earlier statement failed and the function caught its error, so PostgreSQL rolled the transaction back at COMMIT');
    }
  });

  const retryPlan = (input: TransactionAttemptInput): boolean => {
    if (input.failedIn !== 'body' && input.failedIn !== 'commit') return false;
    const kind = failureKind(dialect, input.error);
    if (CONTENTION_KINDS.has(kind)) return section.deadlock_retry;
    // A connection lost before COMMIT: the server rolled the transaction back; run it again.
    return kind === 'connection' && input.failedIn === 'body';
  };

  const rollBack = fromPromise<RollbackOutcome, TransactionAttemptInput>(async ({ input }) => {
    lastError = input.error;
    const retry = retryPlan(input);
    const backoffMs = retry ? retryBackoffMs(input.attempt, section.retry_delay * 1000, section.retry_max_delay * 1000, env.random) : 0;
    const attempt = current;
    const trx = attempt?.trx;
    if (!attempt || !trx) {
      if (attempt) attempt.abandoned = true;
      return { retry, backoffMs };
    }
    const connection = attempt.connection;
    try {
      if ((input.failedIn === 'timeout' || input.failedIn === 'abort') && attempt.log.inflight > 0 && connection) {
        // The statement still runs: cancel it from another connection, so ROLLBACK can run.
        await env.cancel(connection).catch((error: unknown) => retire(connection, error));
      }
      if (trx.isCompleted()) {
        await attempt.done?.catch(noop);
        return { retry, backoffMs };
      }
      resetConnection(attempt);
      const started = performance.now();
      await withDeadline(Promise.resolve(trx.rollback()).then(() => attempt.done), dbTimeoutMs, ctx.clock);
      attempt.log.add({ statement: 'ROLLBACK', durationMs: performance.now() - started });
      return { retry, backoffMs };
    } catch (error) {
      // The connection cannot be trusted any more: the pool retires it when knex releases it.
      retire(connection, error);
      return { retry, backoffMs, rollbackError: ctx.secrets.scrub(error instanceof Error ? error.message : String(error)) };
    } finally {
      release(attempt);
    }
  });

  const machine = transactionMachine.provide({ actors: { runBody, commit, rollBack } });

  const actor = startMachine(ctx, machine, { source, input: { maxRetries, timeoutMs } });
  const done = toPromise(actor);
  env.registry.add({ abort: (reason) => actor.send({ type: 'ABORT', reason }), done: done.catch(noop) });
  const output = await done;
  return finish(env, source, output, current, timeoutMs, options);
}

async function finish<T>(
  env: TransactionEnv,
  source: string,
  output: TransactionOutput,
  attempt: Attempt<T> | undefined,
  timeoutMs: number,
  options: TransactionOptions,
): Promise<TransactionResult<T>> {
  const { ctx, metrics } = env;
  const log = attempt?.log.entries ?? [];
  ctx.events.emit(source, 'transaction.log', { outcome: output.outcome, attempts: output.attempts, log });
  if (output.outcome === 'committed' && attempt) {
    metrics.transaction('committed');
    const specs = [...attempt.invalidations, ...(options.invalidates ? [options.invalidates] : [])];
    const invalidationError = await invalidateAfterCommit(env, source, specs);
    return { value: attempt.value as T, attempts: output.attempts, log, ...(invalidationError ? { invalidationError } : {}) };
  }
  if (output.failedIn === 'timeout') {
    metrics.transaction('timed_out');
    throw new TransactionTimeoutError(timeoutMs, output.attempts);
  }
  if (output.failedIn === 'abort') {
    metrics.transaction('aborted');
    throw new TransactionAbortedError(String(output.error ?? 'aborted'));
  }
  metrics.transaction('rolled_back');
  if (output.failedIn === 'commit' && failureKind(env.dialect, output.error) === 'connection') {
    throw new TransactionCommitUnknownError({ cause: output.error });
  }
  const error = output.error ?? new Error('transaction rolled back');
  if (error && typeof error === 'object') {
    Object.defineProperty(error, 'attempts', { value: output.attempts, enumerable: true, configurable: true, writable: true });
  }
  throw error;
}

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown };
  return String(e.code ?? e.errno ?? 'failed');
}
