import { fromPromise, toPromise, type Actor } from 'xstate';
import {
  TRANSACTION_TIMEOUT_EVENT,
  transactionMachine,
  type RollbackOutcome,
  type TransactionAttemptInput,
  type TransactionEvent,
  type TransactionInput,
  type TransactionOutput,
} from '../../machines/transaction.machine.js';
import { TransactionAbortedError } from '../errors/transaction-aborted-error.js';
import { TransactionCommitUnknownError } from '../errors/transaction-commit-unknown-error.js';
import { TransactionRefusedError } from '../errors/transaction-refused-error.js';
import { TransactionTimeoutError } from '../errors/transaction-timeout-error.js';
import { captureAcquireSite, runWithAcquireSite } from '../pool/acquire-site.js';
import { startMachine } from '../runtime/actor.js';
import { invalidateAfterCommit } from './after-commit-invalidation.js';
import { failureKind } from './failure-kind.js';
import { FirstAttempt } from './first-attempt.js';
import type { InvalidationSpec, TransactionOptions, TransactionResult } from './stator-db.js';
import { TransactionSession, type Attempt, type TransactionBody, type TransactionEnv } from './transaction-session.js';
import { transactionScope, type TransactionScope } from './transaction-scope.js';

let sequence = 0;
/** In `capture_stacks: sampled`, the clock time between two captured transaction sites (the pool's default). */
const STACK_SAMPLE_MS = 10;
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
  private nextStackAt = Number.NEGATIVE_INFINITY;

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
    // name the caller's site for the pool's leak reports and POOL_TIMEOUT messages, as often as
    // `connection_pool.capture_stacks` asks (a capture costs more than the rest of the bookkeeping).
    return this.stackWanted() ? runWithAcquireSite(captureAcquireSite(), () => this.runTopLevel(fn, options)) : this.runTopLevel(fn, options);
  }

  /** `capture_stacks`: `always`, `never`, or `sampled` (at most one per 10 ms of clock time, as the pool samples). */
  private stackWanted(): boolean {
    const mode = this.env.ctx.config.connection_pool.capture_stacks;
    if (mode !== 'sampled') return mode === 'always';
    const now = this.env.ctx.clock.now();
    if (now < this.nextStackAt) return false;
    this.nextStackAt = now + STACK_SAMPLE_MS;
    return true;
  }

  private async runTopLevel<T>(fn: TransactionBody<T>, options: TransactionOptions): Promise<TransactionResult<T>> {
    const { ctx, registry } = this.env;
    const section = ctx.config.transaction;
    const timeoutMs = (options.timeout ?? section.timeout) * 1000;
    const id = ++sequence;
    const source = `transaction.${id}`;
    const session = new TransactionSession<T>(this.env, source, fn, options);
    this.sessions.set(id, session as TransactionSession<unknown>);
    const input: TransactionInput = { id, maxRetries: options.retries ?? section.retry_attempts, timeoutMs };
    let output: TransactionOutput;
    try {
      // Recorded (the event log, events$, an inspector): the machine from the start, so that every
      // transition is in the log. Otherwise the first attempt runs without an actor (see FirstAttempt).
      const abort: { to: (reason: string) => void } = { to: noop };
      const done =
        ctx.events.observed || ctx.inspect ? toPromise(this.onMachine(source, input, abort)) : this.firstThenMachine(session as TransactionSession<unknown>, source, input, abort);
      registry.add({ abort: (reason) => abort.to(reason), done: done.catch(noop) });
      output = await done;
    } finally {
      this.sessions.delete(id);
    }
    return this.finish(source, output, session.current, timeoutMs, options);
  }

  /** The first attempt outside the machine; the machine only when it did not commit. */
  private async firstThenMachine(
    session: TransactionSession<unknown>,
    source: string,
    input: TransactionInput,
    abort: { to: (reason: string) => void },
  ): Promise<TransactionOutput> {
    const first = new FirstAttempt(session, input.id, input.timeoutMs, this.env.ctx.clock);
    abort.to = (reason) => first.abort(reason);
    const outcome = await first.run();
    if (outcome.committed) return { outcome: 'committed', attempts: 1 };
    session.handOver(outcome);
    const actor = this.onMachine(source, input, abort);
    const output = toPromise(actor);
    // The machine is in `active`, its runBody replaying the attempt: a timeout or an ABORT that
    // ended the attempt is sent now, and takes the transition the machine would have taken itself.
    if (outcome.failedIn === 'timeout') actor.send({ type: TRANSACTION_TIMEOUT_EVENT } as unknown as TransactionEvent);
    else if (outcome.failedIn === 'abort') abort.to(String(outcome.error ?? 'aborted'));
    return output;
  }

  /** Runs the transaction on its machine, from its first state (replaying a handed-over first attempt). */
  private onMachine(source: string, input: TransactionInput, abort: { to: (reason: string) => void }): Actor<typeof this.machine> {
    const { ctx } = this.env;
    const actor = startMachine(ctx, this.machine, {
      source,
      // Inspection costs about a third of a transaction's bookkeeping: only when someone listens
      // (the event log, events$ subscribers) are the machine's events recorded.
      record: ctx.events.observed,
      input,
    });
    abort.to = (reason) => actor.send({ type: 'ABORT', reason });
    return actor;
  }

  private async finish<T>(
    source: string,
    output: TransactionOutput,
    attempt: Attempt<T> | undefined,
    timeoutMs: number,
    options: TransactionOptions,
  ): Promise<TransactionResult<T>> {
    const { ctx, metrics, dialect } = this.env;
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
    if (output.failedIn === 'commit' && failureKind(dialect, output.error) === 'connection') {
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
  const from = scope.log.length;
  const value = (await scope.trx.transaction((sp) =>
    transactionScope.run({ ...scope, trx: sp, invalidations }, () => fn(sp, { attempt: 1, signal: scope.signal })),
  )) as T;
  if (options.invalidates) invalidations.push(options.invalidates);
  scope.invalidations.push(...invalidations);
  return { value, attempts: 1, log: scope.log.entries.slice(from) };
}
