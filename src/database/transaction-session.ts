import type { Knex } from 'knex';
import type {
  RollbackOutcome,
  TransactionAttemptInput,
  TransactionFailure,
} from '../../machines/transaction.machine.js';
import { RollbackFailedError } from '../errors/rollback-failed-error.js';
import { TransactionAbortedError } from '../errors/transaction-aborted-error.js';
import type { RuntimeContext } from '../kernel/context.js';
import { BEGIN_PLAN, type BeginPlan } from './begin-override.js';
import type { DatabaseConnection } from './database-connection.js';
import type { DatabaseMetrics } from './database-metrics.js';
import { withDeadline } from '../kernel/deadline.js';
import { OperationTimeoutError } from '../errors/operation-timeout-error.js';
import {
  TransactionCommitUnknownError,
  isTransactionCommitUnknownError,
} from '../errors/transaction-commit-unknown-error.js';
import type { Dialect } from './dialect.js';
import { CONTENTION_KINDS, failureKind } from './failure-kind.js';
import { beginStatements, endStatement, sessionBegin, type SessionBegin } from './isolation.js';
import type { QueryTracker } from './query-tracker.js';
import { backoffDelay } from '../kernel/backoff.js';
import type { InvalidationSpec, TransactionAttempt, TransactionOptions } from './transaction-options.js';
import { raceDeadline, type DeadlineQueue } from './deadline-queue.js';
import { LazyAbort } from './lazy-abort.js';
import { TransactionLog } from './transaction-log.js';
import type { TransactionHistory } from './transaction-history.js';
import type { TransactionRegistry } from './transaction-registry.js';
import { transactionScope, type TransactionScope } from './transaction-scope.js';

/** How a first attempt run outside the machine ended: committed, or failed where and why. */
export type FirstAttemptOutcome =
  | { readonly committed: true }
  | { readonly committed: false; readonly failedIn: TransactionFailure; readonly error?: unknown };

/** What the transactions of one database layer work with. */
export interface TransactionEnv {
  readonly ctx: RuntimeContext;
  readonly dialect: Dialect;
  readonly knex: Knex;
  /** Cancels the statement running on a connection from a separate one. */
  readonly cancel: (connection: DatabaseConnection) => Promise<void>;
  /**
   * Closes a connection's socket at once (no goodbye to a server that may be frozen), so that what
   * waits on it fails now and the pool retires it. Default: only marks it broken.
   */
  readonly kill?: (connection: DatabaseConnection) => void;
  readonly tracker: QueryTracker;
  readonly metrics: DatabaseMetrics;
  readonly registry: TransactionRegistry;
  /** The ring `stator.db.history()` reads; finished top-level transactions are added to it. */
  readonly history?: TransactionHistory;
  /** The cache's invalidation, for `invalidates` after commit. */
  readonly invalidate?: (spec: InvalidationSpec) => Promise<void>;
  readonly random?: () => number;
}

/** The function a transaction runs. */
export type TransactionBody<T> = (trx: Knex.Transaction, attempt: TransactionAttempt) => Promise<T>;

/** One attempt's resources: they live here, outside the machine, which only knows the attempt number. */
export interface Attempt<T> {
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

const noop = (): void => undefined;

/**
 * After a timeout, an abort or a COMMIT without answer, the caller is answered within this much
 * (ms): cancel and ROLLBACK go on in the background on a connection that is then closed.
 */
const CLEAN_UP_GRACE_MS = 500;

/** This file's own deadlines (commit_timeout, the clean-up grace) passed: told apart from the work's errors. */
class DeadlinePassed extends Error {}

/**
 * The I/O of one top-level transaction, attempt after attempt: what the transaction machine's
 * actors `runBody`, `commit` and `rollBack` do for it. The machine decides when; this does it.
 */
export class TransactionSession<T> {
  /** The attempt in progress (or the last one). */
  public current: Attempt<T> | undefined;
  private lastError: unknown;
  /** How the first attempt ended when it ran outside the machine (see {@link handOver}). */
  private handedOver: Exclude<FirstAttemptOutcome, { committed: true }> | undefined;
  private readonly statements: readonly string[];
  private readonly session: SessionBegin | undefined;
  private readonly end: string | undefined;
  /** BEGIN held back until the first statement (PostgreSQL, `transaction.defer_begin`). */
  private readonly deferred: boolean;
  private readonly dbTimeoutMs: number;
  private readonly commitTimeoutMs: number;

  public constructor(
    private readonly env: TransactionEnv,
    private readonly source: string,
    private readonly fn: TransactionBody<T>,
    options: TransactionOptions,
    /** COMMIT's deadlines (`transaction.commit_timeout`), shared by the runner's transactions. */
    private readonly commits: DeadlineQueue,
  ) {
    const section = env.ctx.config.transaction;
    const readOnly = options.readOnly ?? false;
    const level = options.isolationLevel ?? section.isolation_level;
    this.statements = beginStatements(env.dialect, level, readOnly);
    // The configured level only: the session keeps it between transactions (see sessionBegin).
    this.session = level === section.isolation_level ? sessionBegin(env.dialect, level, readOnly) : undefined;
    this.end = endStatement(env.dialect, readOnly);
    this.deferred = env.dialect === 'postgresql' && section.defer_begin;
    this.dbTimeoutMs = env.ctx.config.database.timeout * 1000 || 30_000;
    const commit = section.commit_timeout;
    this.commitTimeoutMs = commit !== undefined && commit > 0 ? commit * 1000 : this.dbTimeoutMs;
  }

  /**
   * Hands the machine a first attempt that ran outside it (`FirstAttempt`) and failed: for
   * attempt 1, `runBody` and `commit` then replay that attempt's outcome instead of running it
   * again, so the machine reaches `rollingBack` by the same transition, with the same attempt in
   * {@link current} to roll back.
   */
  public handOver(outcome: Exclude<FirstAttemptOutcome, { committed: true }>): void {
    this.handedOver = outcome;
  }

  /** BEGIN, then the caller's function in the transaction's async scope (nested calls become savepoints). */
  public async runBody(input: TransactionAttemptInput, abort: AbortSignal | LazyAbort): Promise<void> {
    const { env } = this;
    const replayed = this.handedOver;
    if (replayed && input.attempt === 1) {
      if (replayed.failedIn === 'body') throw replayed.error;
      // 'commit': the body had finished. 'timeout' / 'abort': the runner sends the machine that
      // event at once, and the machine leaves `active` without waiting for this.
      if (replayed.failedIn === 'commit') return;
      return new Promise<void>(noop);
    }
    if (input.attempt > 1) {
      const reason = failureKind(this.lastError);
      env.metrics.retry(reason);
      env.ctx.events.emit(this.source, 'transaction.retry', { attempt: input.attempt, reason });
    }
    const attempt: Attempt<T> = {
      number: input.attempt,
      log: new TransactionLog(),
      invalidations: [],
      abandoned: false,
    };
    this.current = attempt;
    const trx = await env.knex.transaction({ [BEGIN_PLAN]: this.planOf(attempt) } as Knex.TransactionConfig);
    attempt.done = trx.executionPromise;
    attempt.done.catch(noop);
    attempt.trx = trx;
    if (attempt.abandoned || abort.aborted) {
      this.rollBackLate(attempt, trx);
      throw abort.reason ?? new Error('transaction attempt abandoned');
    }
    if (trx.isCompleted()) {
      await attempt.done; // rejects with the reason BEGIN failed
      throw new Error('BEGIN failed');
    }
    // The signal is made only if the function (or a nested call) reads it (see LazyAbort).
    const signalOf = abort instanceof LazyAbort ? (): AbortSignal => abort.signal : (): AbortSignal => abort;
    const scope: TransactionScope = {
      owner: env.registry,
      id: input.id,
      trx,
      log: attempt.log,
      get signal() {
        return signalOf();
      },
      invalidations: attempt.invalidations,
    };
    const info: TransactionAttempt = {
      attempt: input.attempt,
      get signal() {
        return signalOf();
      },
    };
    attempt.value = await transactionScope.run(scope, () => this.fn(trx, info));
  }

  /** How the attempt begins (see `begin-override.ts`): its statements, its connection, its log. */
  private planOf(attempt: Attempt<T>): BeginPlan {
    const { tracker } = this.env;
    return {
      statements: this.statements,
      session: this.session,
      deferred: this.deferred,
      onConnection: (connection) => {
        attempt.connection = connection;
        if (connection.__knexUid !== undefined) tracker.watch(connection.__knexUid, attempt.log);
      },
      onStatement: (sql, durationMs, error) =>
        attempt.log.add({ statement: sql, durationMs, ...(error !== undefined ? { error: errorCode(error) } : {}) }),
    };
  }

  /** COMMIT; rejects when it failed (or when PostgreSQL answered it with ROLLBACK). */
  public async commit(): Promise<void> {
    const attempt = this.current;
    const trx = attempt?.trx;
    if (!attempt || !trx) throw new Error('no transaction to commit');
    if (this.handedOver?.failedIn === 'commit' && attempt.number === 1) throw this.handedOver.error;
    if (trx.isCompleted()) {
      await attempt.done;
      throw new TransactionAbortedError(
        'the function committed or rolled back the transaction itself; let stator.db.transaction do it (throw to roll back)',
      );
    }
    this.resetConnection(attempt);
    const started = performance.now();
    let response: unknown;
    try {
      // A frozen or unreachable server never answers COMMIT: bounded by transaction.commit_timeout.
      const committing = Promise.resolve(trx.commit()).then(async (r: unknown) => {
        await attempt.done;
        return r;
      });
      response = await raceDeadline(
        this.commits,
        committing,
        this.commitTimeoutMs,
        () => new DeadlinePassed(`COMMIT got no answer within ${this.commitTimeoutMs} ms`),
      );
    } catch (error) {
      if (!(error instanceof DeadlinePassed)) throw error;
      this.kill(attempt.connection, error);
      throw new TransactionCommitUnknownError({ cause: error, timeoutMs: this.commitTimeoutMs });
    }
    attempt.log.add({ statement: 'COMMIT', durationMs: performance.now() - started });
    this.unwatch(attempt);
    if ((response as { response?: { command?: unknown } } | undefined)?.response?.command === 'ROLLBACK') {
      throw new TransactionAbortedError(
        'an earlier statement failed and the function caught its error, so PostgreSQL rolled the transaction back at COMMIT',
      );
    }
  }

  /**
   * ROLLBACK (after cancelling a statement still running, on a timeout or an abort) and the
   * verdict: retry or not, after how long.
   *
   * @throws RollbackFailedError carrying the same verdict when ROLLBACK failed or got no answer
   *   within `database.timeout`; the connection is retired first (closing it makes the database
   *   discard the transaction).
   */
  public async rollBack(input: TransactionAttemptInput): Promise<RollbackOutcome> {
    const { env } = this;
    const section = env.ctx.config.transaction;
    this.lastError = input.error;
    const retry = this.shouldRetry(input);
    const backoffMs = retry
      ? Math.round(
          backoffDelay(
            {
              kind: 'exponential',
              jitter: 'full',
              baseMs: section.retry_delay * 1000,
              maxMs: section.retry_max_delay * 1000,
              random: env.random ?? Math.random,
            },
            input.attempt,
            0,
          ),
        )
      : 0;
    const attempt = this.current;
    const trx = attempt?.trx;
    if (!attempt || !trx) {
      if (attempt) attempt.abandoned = true;
      return { retry, backoffMs };
    }
    const connection = attempt.connection;
    const cleanUp = this.cleanUp(input, attempt, trx, retry, backoffMs);
    const giveUp =
      input.failedIn === 'timeout' || input.failedIn === 'abort' || isTransactionCommitUnknownError(input.error);
    if (!giveUp) return cleanUp;
    // The caller is past its deadline: answer within the grace, let the clean-up finish in the
    // background on a connection that is closed now (the server discards its transaction).
    try {
      const ms = Math.min(CLEAN_UP_GRACE_MS, this.dbTimeoutMs);
      return await withDeadline(cleanUp, {
        clock: env.ctx.clock,
        ms,
        onTimeout: () => new DeadlinePassed(`clean-up took longer than ${ms} ms`),
      });
    } catch (error) {
      if (!(error instanceof DeadlinePassed)) throw error;
      cleanUp.catch(noop);
      this.kill(connection, error);
      return { retry, backoffMs };
    }
  }

  /** Cancel (a statement still running after a timeout or abort), then ROLLBACK within `database.timeout`. */
  private async cleanUp(
    input: TransactionAttemptInput,
    attempt: Attempt<T>,
    trx: Knex.Transaction,
    retry: boolean,
    backoffMs: number,
  ): Promise<RollbackOutcome> {
    const { env } = this;
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
      this.resetConnection(attempt);
      const started = performance.now();
      await withDeadline(
        Promise.resolve(trx.rollback()).then(() => attempt.done),
        {
          clock: env.ctx.clock,
          ms: this.dbTimeoutMs,
          onTimeout: () => new OperationTimeoutError('database', 'rollback', this.dbTimeoutMs, 'database.timeout'),
        },
      );
      attempt.log.add({ statement: 'ROLLBACK', durationMs: performance.now() - started });
      return { retry, backoffMs };
    } catch (error) {
      // The connection cannot be trusted any more: the pool retires it when knex releases it.
      retire(connection, error);
      const detail = env.ctx.secrets.scrub(error instanceof Error ? error.message : String(error));
      throw new RollbackFailedError({ retry, backoffMs }, detail, { cause: error });
    } finally {
      this.unwatch(attempt);
    }
  }

  /** Marks the connection broken and closes its socket, so whatever waits on it fails now. */
  private kill(connection: DatabaseConnection | undefined, reason: unknown): void {
    if (!connection) return;
    retire(connection, reason);
    try {
      this.env.kill?.(connection);
    } catch (error) {
      this.env.ctx.logger.debug('database: closing a connection past its deadline failed', { error });
    }
  }

  /** Deadlocks and serialization failures (unless `deadlock_retry: false`), and a connection lost before COMMIT. */
  private shouldRetry(input: TransactionAttemptInput): boolean {
    if (input.failedIn !== 'body' && input.failedIn !== 'commit') return false;
    const kind = failureKind(input.error);
    if (CONTENTION_KINDS.has(kind)) return this.env.ctx.config.transaction.deadlock_retry;
    // A connection lost before COMMIT: the server rolled the transaction back; run it again.
    return kind === 'connection' && input.failedIn === 'body';
  }

  /** SQLite read-only: undo `PRAGMA query_only` on the raw (synchronous) connection, whatever knex's state. */
  private resetConnection(attempt: Attempt<T>): void {
    if (!this.end || !attempt.connection) return;
    try {
      (attempt.connection as unknown as { exec(sql: string): void }).exec(this.end);
    } catch (error) {
      retire(attempt.connection, error);
    }
  }

  private unwatch(attempt: Attempt<T>): void {
    const uid = attempt.connection?.__knexUid;
    if (uid !== undefined) this.env.tracker.unwatch(uid);
  }

  /** A BEGIN that finished after its attempt was given up rolls back on its own. */
  private rollBackLate(attempt: Attempt<T>, trx: Knex.Transaction): void {
    this.resetConnection(attempt);
    void Promise.resolve(trx.rollback())
      .then(() => attempt.done)
      .catch((error: unknown) => retire(attempt.connection, error))
      .finally(() => this.unwatch(attempt));
  }
}

/** Marks a connection broken so the pool retires it instead of lending it again. */
function retire(connection: DatabaseConnection | undefined, reason: unknown): void {
  if (connection && !connection.__knex__disposed) connection.__knex__disposed = reason ?? 'transaction clean-up failed';
}

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; errno?: unknown };
  return String(e.code ?? e.errno ?? 'failed');
}
