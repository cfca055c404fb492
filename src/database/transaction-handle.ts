import type { Knex } from 'knex';
import { TransactionNotActiveError } from '../errors/transaction-not-active-error.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { TransactionBody } from './transaction-session.js';
import type { TransactionLogEntry } from './transaction-log.js';
import type { TransactionOptions, TransactionResult } from './transaction-options.js';
import { runSavepoint } from './savepoint.js';
import { transactionScope, type TransactionScope } from './transaction-scope.js';

/** Options of `stator.db.begin()`: those of `stator.db.transaction()` except `retries` (a handle never retries). */
export type BeginOptions = Omit<TransactionOptions, 'retries'>;

/**
 * A transaction begun with `stator.db.begin()`, for work that spans callbacks (a stream, a
 * request pipeline). The same transaction machine as `stator.db.transaction()` drives it, with
 * the same isolation, timeout and after-commit invalidation; unlike the callback form it is
 * **never retried**: on a deadlock or serialization failure the statement rejects, call
 * {@link rollback} and begin again. Left open past its timeout, it is rolled back and its
 * connection goes back to the pool; {@link commit} then rejects with `TransactionTimeoutError`.
 *
 * @example
 * ```ts
 * const trx = await stator.db.begin({ isolationLevel: 'SERIALIZABLE', timeout: 10 });
 * try {
 *   await trx.knex('accounts').where({ id: 1 }).decrement('balance', 5);
 *   await trx.commit();
 * } catch (error) {
 *   if (trx.isActive()) await trx.rollback();
 *   throw error;
 * }
 * ```
 */
export interface TransactionHandle {
  /** The id on the event log (`transaction.<id>`), in `stator.db.transactions()` and the history. */
  readonly id: number;
  /** The knex transaction: run the statements on it (`trx.knex('table')`, `trx.knex.raw(...)`). */
  readonly knex: Knex.Transaction;
  /** The statements so far: shapes without values, durations, rows, error codes. */
  readonly log: readonly TransactionLogEntry[];
  /** True until {@link commit} or {@link rollback} is called, or the timeout rolled it back. */
  isActive(): boolean;
  /**
   * COMMIT, then the cache invalidations asked for. Resolves like `stator.db.transaction()`.
   * @throws TransactionTimeoutError when the timeout rolled it back first.
   * @throws TransactionNotActiveError when it was already committed or rolled back.
   * @throws the database's error when COMMIT failed (it was rolled back).
   */
  commit(): Promise<TransactionResult<void>>;
  /**
   * ROLLBACK; resolves once the connection is back in the pool. Resolves too when the timeout
   * already rolled it back.
   * @throws TransactionNotActiveError when it was already committed.
   */
  rollback(): Promise<void>;
  /** Runs `fn` in a savepoint of this transaction, as `stator.db.transaction()` nested in another. */
  transaction<T>(fn: TransactionBody<T>, options?: TransactionOptions): Promise<TransactionResult<T>>;
  /** Runs `fn` in this transaction's scope: `stator.db.transaction()` calls inside become savepoints of it. */
  run<T>(fn: () => T): T;
}

/** How the caller's decision reaches the body the machine runs. */
class RolledBackByCaller extends Error {
  public constructor() {
    super('rolled back by the caller (TransactionHandle.rollback)');
  }
}

type Start = (body: TransactionBody<void>) => Promise<TransactionResult<void>>;

/**
 * Begins a handle: starts a top-level transaction whose body hands the knex transaction out and
 * waits for the caller's `commit()` or `rollback()`. Resolves once BEGIN ran; rejects with what
 * stopped BEGIN (refused, pool timeout, database error).
 */
export async function beginHandle(ctx: RuntimeContext, start: Start): Promise<TransactionHandle> {
  let opened!: (value: { trx: Knex.Transaction; scope: TransactionScope }) => void;
  const ready = new Promise<{ trx: Knex.Transaction; scope: TransactionScope }>((resolve) => (opened = resolve));
  let decide: { commit(): void; rollBack(): void } | undefined;
  const body: TransactionBody<void> = (trx, attempt) =>
    new Promise<void>((resolve, reject) => {
      const scope = transactionScope.getStore();
      if (!scope) {
        reject(new Error('transaction handle: no transaction scope'));
        return;
      }
      // The machine stopped the body (timeout, shutdown): nothing waits for a decision any more.
      attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason), { once: true });
      decide = { commit: resolve, rollBack: () => reject(new RolledBackByCaller()) };
      opened({ trx, scope });
    });
  const outcome = start(body);
  outcome.catch(() => undefined); // an abandoned handle's timeout must not be an unhandled rejection
  const { trx, scope } = await Promise.race([
    ready,
    outcome.then(() => Promise.reject(new Error('transaction ended before BEGIN'))),
  ]);
  const decision = decide;
  if (!decision) throw new Error('transaction handle: BEGIN ran without a body');
  return new Handle(ctx, trx, scope, decision, outcome);
}

class Handle implements TransactionHandle {
  public readonly id: number;
  private ended: string | undefined;

  public constructor(
    private readonly ctx: RuntimeContext,
    public readonly knex: Knex.Transaction,
    private readonly scope: TransactionScope,
    private readonly decision: { commit(): void; rollBack(): void },
    private readonly outcome: Promise<TransactionResult<void>>,
  ) {
    this.id = scope.id ?? 0;
    outcome.then(
      () => (this.ended ??= 'committed'),
      (error: unknown) => {
        if (this.ended !== undefined || error instanceof RolledBackByCaller) return;
        this.ended = 'rolled back';
        const reason = error instanceof Error ? error.message : String(error);
        this.ctx.logger.warn(
          `database: transaction handle ${this.id} ended without commit() or rollback(): ${this.ctx.secrets.scrub(reason)}`,
          {
            transaction: this.id,
          },
        );
      },
    );
  }

  public get log(): readonly TransactionLogEntry[] {
    return this.scope.log.entries;
  }

  public isActive(): boolean {
    return this.ended === undefined && !this.knex.isCompleted();
  }

  public async commit(): Promise<TransactionResult<void>> {
    if (this.ended === 'committed' || this.ended === 'rolled back by the caller')
      throw new TransactionNotActiveError(this.id, this.ended);
    if (this.ended === undefined) {
      this.ended = 'committed';
      this.decision.commit();
    }
    return this.outcome;
  }

  public async rollback(): Promise<void> {
    if (this.ended === 'committed') throw new TransactionNotActiveError(this.id, this.ended);
    if (this.ended === undefined) {
      this.ended = 'rolled back by the caller';
      this.decision.rollBack();
    }
    // Whatever ended it (this call, its timeout, a shutdown, a failed ROLLBACK whose connection
    // was then retired), the transaction is rolled back: the caller's wish holds.
    await this.outcome.catch(() => undefined);
  }

  public transaction<T>(fn: TransactionBody<T>, options: TransactionOptions = {}): Promise<TransactionResult<T>> {
    if (!this.isActive()) return Promise.reject(new TransactionNotActiveError(this.id, this.ended ?? 'completed'));
    return transactionScope.run(this.scope, () => runSavepoint(this.scope, fn, options));
  }

  public run<T>(fn: () => T): T {
    return transactionScope.run(this.scope, fn);
  }
}
