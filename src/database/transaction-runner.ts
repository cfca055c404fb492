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
import {
  TransactionCommitUnknownError,
  isTransactionCommitUnknownError,
} from '../errors/transaction-commit-unknown-error.js';
import { TransactionRefusedError } from '../errors/transaction-refused-error.js';
import { TransactionTimeoutError } from '../errors/transaction-timeout-error.js';
import {
  callerFrame,
  captureAcquireSite,
  runWithAcquireSite,
  type AcquireSite,
  type StackTop,
} from '../pool/acquire-site.js';
import { SAMPLE_INTERVAL_MS, StackSampler } from '../pool/stack-sampler.js';
import { startMachine } from '../kernel/actor.js';
import { invalidateAfterCommit } from './after-commit-invalidation.js';
import { failureKind } from './failure-kind.js';
import { DeadlineQueue } from './deadline-queue.js';
import { FirstAttempt } from './first-attempt.js';
import type { KeptRecord } from './transaction-history.js';
import { TransactionLog } from './transaction-log.js';
import type { RunningTransactionState, TransactionHistoryOutcome, TransactionKind } from './transaction-info.js';
import type { TransactionOptions, TransactionResult } from './transaction-options.js';
import { TransactionSession, type Attempt, type TransactionBody, type TransactionEnv } from './transaction-session.js';
import { transactionScope } from './transaction-scope.js';
import { runSavepoint } from './savepoint.js';
import type { RunningTransaction } from './transaction-registry.js';

let sequence = 0;
/** Frames kept of the stack that began a transaction, from its caller's frame on. */
export const CALLER_DEPTH = 8;
/**
 * The site of a transaction whose caller's stack was not sampled: set in the async context all
 * the same, so that the pool does not record knex's frames for its acquire instead.
 */
const NOT_SAMPLED: AcquireSite = Object.freeze({});
const noop = (): void => undefined;

/** How the registry reaches a running transaction: on its first attempt outside the machine, then on the machine. */
interface Control {
  abort: (reason: string) => void;
  now: () => { readonly state: string; readonly attempt: number };
}

/** Who began a top-level transaction and when, for the running list and the history. */
interface Origin {
  readonly id: number;
  readonly kind: TransactionKind;
  readonly startedAt: number;
  readonly site: AcquireSite;
  readonly name: string | undefined;
}

/**
 * Runs the transactions of one database layer: a savepoint when called inside another
 * transaction of the same layer, otherwise a top-level transaction driven by
 * `machines/transaction.machine.ts`. The machine is provided once per layer (building one costs
 * more than a round trip); its actors find their {@link TransactionSession} by the id in their input.
 */
export class TransactionRunner {
  private readonly sessions = new Map<number, TransactionSession<unknown>>();
  private readonly machine;
  /** Timeouts of first attempts, and COMMIT's deadlines: one timer each for every transaction. */
  private readonly timeouts: DeadlineQueue;
  private readonly commits: DeadlineQueue;
  /** Which callers' stacks are recorded (`connection_pool.capture_stacks`). */
  private readonly stacks: StackSampler;

  public constructor(private readonly env: TransactionEnv) {
    this.timeouts = new DeadlineQueue(env.ctx.clock);
    this.commits = new DeadlineQueue(env.ctx.clock);
    this.stacks = new StackSampler(env.ctx.clock, env.ctx.config.connection_pool.capture_stacks, SAMPLE_INTERVAL_MS);
    const session = (id: number): TransactionSession<unknown> => {
      const found = this.sessions.get(id);
      if (!found) throw new Error(`transaction ${id} is not running`);
      return found;
    };
    this.machine = transactionMachine.provide({
      actors: {
        runBody: fromPromise<void, TransactionAttemptInput>(({ input, signal }) =>
          session(input.id).runBody(input, signal),
        ),
        commit: fromPromise<void, TransactionAttemptInput>(({ input }) => session(input.id).commit()),
        rollBack: fromPromise<RollbackOutcome, TransactionAttemptInput>(({ input }) =>
          session(input.id).rollBack(input),
        ),
      },
    });
  }

  /**
   * Where the caller of a callback transaction began it, per `connection_pool.capture_stacks`
   * (sampled by default; see {@link StackSampler}): the stack from the caller of `below` (the
   * public entry point) on, or a site without a stack.
   */
  public siteOf(below: StackTop): AcquireSite {
    return this.stacks.wants() ? captureAcquireSite(below, CALLER_DEPTH) : NOT_SAMPLED;
  }

  /**
   * `site`: where the caller began it, from {@link siteOf} at the public entry point; captured
   * here when left out.
   */
  public run<T>(
    fn: TransactionBody<T>,
    options: TransactionOptions = {},
    site?: AcquireSite,
  ): Promise<TransactionResult<T>> {
    const scope = transactionScope.getStore();
    if (scope && scope.owner === this.env.registry && !scope.trx.isCompleted()) return runSavepoint(scope, fn, options);
    return this.runNew(fn, options, 'callback', site);
  }

  /**
   * A new top-level transaction, even when called inside another one's function (a handle of
   * `stator.db.begin()` is never a savepoint of the caller's transaction).
   */
  public runNew<T>(
    fn: TransactionBody<T>,
    options: TransactionOptions,
    kind: TransactionKind,
    given?: AcquireSite,
  ): Promise<TransactionResult<T>> {
    const refused = this.env.registry.refusedReason;
    if (refused !== undefined) {
      this.env.metrics.transaction('refused');
      return Promise.reject(new TransactionRefusedError(refused));
    }
    // knex acquires the connection in a later tick, where the stack no longer shows the caller:
    // name the caller's site for the pool's leak reports and POOL_TIMEOUT messages. A handle's
    // always (it holds its connection across calls, where leaks happen).
    const site = given ?? captureAcquireSite(this.runNew, CALLER_DEPTH);
    return runWithAcquireSite(site, () => this.runTopLevel(fn, options, kind, site));
  }

  private async runTopLevel<T>(
    fn: TransactionBody<T>,
    options: TransactionOptions,
    kind: TransactionKind,
    site: AcquireSite,
  ): Promise<TransactionResult<T>> {
    const { ctx, registry } = this.env;
    const section = ctx.config.transaction;
    const timeoutMs = (options.timeout ?? section.timeout) * 1000;
    const id = ++sequence;
    const origin: Origin = { id, kind, startedAt: ctx.clock.now(), site, name: options.name };
    const source = `transaction.${id}`;
    const session = new TransactionSession<T>(this.env, source, fn, options, this.commits);
    this.sessions.set(id, session as TransactionSession<unknown>);
    const input: TransactionInput = { id, maxRetries: options.retries ?? section.retry_attempts, timeoutMs };
    let output: TransactionOutput;
    let running: RunningTransaction | undefined;
    try {
      const control: Control = { abort: noop, now: () => ({ state: 'active', attempt: 1 }) };
      // Recorded (the event log, events$, an inspector): the machine from the start, so that every
      // transition is in the log. Otherwise the first attempt runs without an actor (see FirstAttempt).
      const done =
        ctx.events.observed || ctx.inspect
          ? toPromise(this.onMachine(source, input, control))
          : this.firstThenMachine(session as TransactionSession<unknown>, source, input, control);
      running = {
        abort: (reason) => control.abort(reason),
        done,
        describe: () => {
          const now = control.now();
          const begunAt = callerFrame(site);
          return {
            id,
            kind,
            state: now.state as RunningTransactionState,
            ageMs: ctx.clock.now() - origin.startedAt,
            startedAt: origin.startedAt,
            attempt: now.attempt,
            statements: session.current?.log.length ?? 0,
            ...(origin.name !== undefined ? { name: origin.name } : {}),
            ...(begunAt ? { begunAt } : {}),
          };
        },
      };
      registry.enter(running);
      output = await done;
    } finally {
      this.sessions.delete(id);
      if (running) registry.remove(running);
    }
    return this.finish(source, output, session.current, timeoutMs, options, origin);
  }

  /** The first attempt outside the machine; the machine only when it did not commit. */
  private async firstThenMachine(
    session: TransactionSession<unknown>,
    source: string,
    input: TransactionInput,
    control: Control,
  ): Promise<TransactionOutput> {
    const first = new FirstAttempt(session, input.id, input.timeoutMs, this.timeouts);
    control.abort = (reason) => first.abort(reason);
    control.now = () => ({ state: first.state, attempt: 1 });
    const outcome = await first.run();
    if (outcome.committed) return { outcome: 'committed', attempts: 1 };
    session.handOver(outcome);
    const actor = this.onMachine(source, input, control);
    const output = toPromise(actor);
    // The machine is in `active`, its runBody replaying the attempt: a timeout or an ABORT that
    // ended the attempt is sent now, and takes the transition the machine would have taken itself
    // (the timeout's event is the one the machine's own `after` delay raises).
    if (outcome.failedIn === 'timeout') actor.send({ type: TRANSACTION_TIMEOUT_EVENT } as unknown as TransactionEvent);
    else if (outcome.failedIn === 'abort') control.abort(String(outcome.error ?? 'aborted'));
    return output;
  }

  /** Starts the transaction's machine (replaying a handed-over first attempt, if any). */
  private onMachine(source: string, input: TransactionInput, control: Control): Actor<typeof this.machine> {
    const { ctx } = this.env;
    const actor = startMachine(ctx, this.machine, {
      source,
      // Inspection costs about a third of a transaction's bookkeeping: only when someone listens
      // (the event log, events$ subscribers) are the machine's events recorded.
      record: ctx.events.observed,
      input,
    });
    control.abort = (reason) => actor.send({ type: 'ABORT', reason });
    control.now = () => {
      const snapshot = actor.getSnapshot();
      return { state: String(snapshot.value), attempt: snapshot.context.attempt };
    };
    return actor;
  }

  /** Adds a finished transaction to the history ring. */
  private remember(
    origin: Origin,
    outcome: TransactionHistoryOutcome,
    output: TransactionOutput,
    log: KeptRecord['log'],
  ): void {
    const history = this.env.history;
    if (!history || history.size === 0) return;
    const endedAt = this.env.ctx.clock.now();
    const error = outcome === 'committed' ? undefined : output.error;
    const message =
      error === undefined
        ? undefined
        : this.env.ctx.secrets.scrub(error instanceof Error ? error.message : String(error));
    history.add({
      id: origin.id,
      kind: origin.kind,
      outcome,
      attempts: output.attempts,
      startedAt: origin.startedAt,
      endedAt,
      durationMs: endedAt - origin.startedAt,
      log,
      site: origin.site,
      ...(message !== undefined ? { error: message } : {}),
      ...(origin.name !== undefined ? { name: origin.name } : {}),
    });
  }

  private async finish<T>(
    source: string,
    output: TransactionOutput,
    attempt: Attempt<T> | undefined,
    timeoutMs: number,
    options: TransactionOptions,
    origin: Origin,
  ): Promise<TransactionResult<T>> {
    const { ctx, metrics } = this.env;
    // The statements are shaped only when someone reads the log (the result's, the history's, a listener's).
    const log = attempt?.log ?? new TransactionLog();
    const logData = ctx.events.observed
      ? { outcome: output.outcome, attempts: output.attempts, log: log.entries }
      : undefined;
    ctx.events.emit(source, 'transaction.log', logData);
    if (output.outcome === 'committed' && attempt) {
      metrics.transaction('committed');
      this.remember(origin, 'committed', output, log);
      const specs = options.invalidates ? [...attempt.invalidations, options.invalidates] : attempt.invalidations;
      const invalidationError = specs.length ? await invalidateAfterCommit(this.env, source, specs) : undefined;
      return {
        value: attempt.value as T,
        attempts: output.attempts,
        get log() {
          return log.entries;
        },
        ...(invalidationError ? { invalidationError } : {}),
      };
    }
    // Something holds connections or runs long: name every caller for a while.
    if (output.failedIn === 'timeout' || (output.error as { code?: unknown } | undefined)?.code === 'POOL_TIMEOUT') {
      this.stacks.suspect(ctx.clock.now());
    }
    if (output.failedIn === 'timeout') {
      metrics.transaction('timed_out');
      this.remember(origin, 'timed_out', { ...output, error: `timed out after ${timeoutMs / 1000} s` }, log);
      throw new TransactionTimeoutError(timeoutMs, output.attempts);
    }
    if (output.failedIn === 'abort') {
      metrics.transaction('aborted');
      this.remember(origin, 'aborted', output, log);
      throw new TransactionAbortedError(String(output.error ?? 'aborted'));
    }
    metrics.transaction('rolled_back');
    const timedOut = isTransactionCommitUnknownError(output.error);
    const unknown = timedOut || (output.failedIn === 'commit' && failureKind(output.error) === 'connection');
    this.remember(origin, unknown ? 'commit_unknown' : 'rolled_back', output, log);
    if (timedOut) throw output.error as Error;
    if (unknown) {
      throw new TransactionCommitUnknownError({ cause: output.error });
    }
    const error = output.error ?? new Error('transaction rolled back');
    if (error && typeof error === 'object') {
      Object.defineProperty(error, 'attempts', {
        value: output.attempts,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    throw error;
  }
}
