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
import { startMachine } from '../kernel/actor.js';
import { invalidateAfterCommit } from './after-commit-invalidation.js';
import { failureKind } from './failure-kind.js';
import type { InvalidationSpec, TransactionOptions, TransactionResult } from './stator-db.js';
import { TransactionSession, type Attempt, type TransactionBody, type TransactionEnv } from './transaction-session.js';
import { transactionScope, type TransactionScope } from './transaction-scope.js';

let sequence = 0;
const noop = (): void => undefined;

/**
 * Runs the transactions of one database layer: a savepoint when called inside another
 * transaction of the same layer, otherwise a top-level transaction driven by
 * `machines/transaction.machine.ts`. The machine is provided once per layer (building one costs
 * more than a round trip); its actors find their {@link TransactionSession} by the id in their input.
 */
export class TransactionRunner {
  private readonly sessions = new Map<number, TransactionSession<unknown>>();
  private readonly machine;

  public constructor(private readonly env: TransactionEnv) {
    const session = (id: number): TransactionSession<unknown> => {
      const found = this.sessions.get(id);
      if (!found) throw new Error(`transaction ${id} is not running`);
      return found;
    };
    this.machine = transactionMachine.provide({
      actors: {
        runBody: fromPromise<void, TransactionAttemptInput>(({ input, signal }) => session(input.id).runBody(input, signal)),
        commit: fromPromise<void, TransactionAttemptInput>(({ input }) => session(input.id).commit()),
        rollBack: fromPromise<RollbackOutcome, TransactionAttemptInput>(({ input }) => session(input.id).rollBack(input)),
      },
    });
  }

  public run<T>(fn: TransactionBody<T>, options: TransactionOptions = {}): Promise<TransactionResult<T>> {
    const scope = transactionScope.getStore();
    if (scope && scope.owner === this.env.registry && !scope.trx.isCompleted()) return runSavepoint(scope, fn, options);
    const refused = this.env.registry.refusedReason;
    if (refused !== undefined) {
      this.env.metrics.transaction('refused');
      return Promise.reject(new TransactionRefusedError(refused));
    }
    // knex acquires the connection in a later tick, where the stack no longer shows the caller:
    // name the caller's site for the pool's leak reports and POOL_TIMEOUT messages.
    return runWithAcquireSite(captureAcquireSite(), () => this.runTopLevel(fn, options));
  }

  private async runTopLevel<T>(fn: TransactionBody<T>, options: TransactionOptions): Promise<TransactionResult<T>> {
    const { ctx, registry } = this.env;
    const section = ctx.config.transaction;
    const timeoutMs = (options.timeout ?? section.timeout) * 1000;
    const id = ++sequence;
    const source = `transaction.${id}`;
    const session = new TransactionSession<T>(this.env, source, fn, options);
    this.sessions.set(id, session as TransactionSession<unknown>);
    let output: TransactionOutput;
    try {
      const actor = startMachine(ctx, this.machine, {
        source,
        // Inspection costs about a third of a transaction's bookkeeping: only when someone listens
        // (the event log, events$ subscribers) are the machine's events recorded.
        record: ctx.events.observed,
        input: { id, maxRetries: options.retries ?? section.retry_attempts, timeoutMs },
      });
      const done = toPromise(actor);
      registry.add({ abort: (reason) => actor.send({ type: 'ABORT', reason }), done: done.catch(noop) });
      output = await done;
    } finally {
      this.sessions.delete(id);
    }
    return this.finish(source, output, session.current, timeoutMs, options);
  }

  private async finish<T>(
    source: string,
    output: TransactionOutput,
    attempt: Attempt<T> | undefined,
    timeoutMs: number,
    options: TransactionOptions,
  ): Promise<TransactionResult<T>> {
    const { ctx, metrics } = this.env;
    const log = attempt?.log.entries ?? [];
    ctx.events.emit(source, 'transaction.log', { outcome: output.outcome, attempts: output.attempts, log });
    if (output.outcome === 'committed' && attempt) {
      metrics.transaction('committed');
      const specs = [...attempt.invalidations, ...(options.invalidates ? [options.invalidates] : [])];
      const invalidationError = await invalidateAfterCommit(this.env, source, specs);
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
    if (output.failedIn === 'commit' && failureKind(output.error) === 'connection') {
      throw new TransactionCommitUnknownError({ cause: output.error });
    }
    const error = output.error ?? new Error('transaction rolled back');
    if (error && typeof error === 'object') {
      Object.defineProperty(error, 'attempts', { value: output.attempts, enumerable: true, configurable: true, writable: true });
    }
    throw error;
  }
}

async function runSavepoint<T>(scope: TransactionScope, fn: TransactionBody<T>, options: TransactionOptions): Promise<TransactionResult<T>> {
  const invalidations: InvalidationSpec[] = [];
  const from = scope.log.entries.length;
  const value = (await scope.trx.transaction((sp) =>
    transactionScope.run({ ...scope, trx: sp, invalidations }, () => fn(sp, { attempt: 1, signal: scope.signal })),
  )) as T;
  if (options.invalidates) invalidations.push(options.invalidates);
  scope.invalidations.push(...invalidations);
  return { value, attempts: 1, log: scope.log.entries.slice(from) };
}
