import { and, assign, fromPromise, setup } from 'xstate';

/** Where an attempt failed: in the caller's function, at COMMIT, on its timeout, or on an ABORT. */
export type TransactionFailure = 'body' | 'commit' | 'timeout' | 'abort';

/**
 * Events the transaction machine accepts from outside. Everything else it receives is the
 * completion of its own invoked actors and its own delays.
 * - `ABORT` `{ reason }` — roll back now (the database layer is stopping and its drain deadline
 *   passed). Ignored while committing (a COMMIT in flight is not interrupted) and once final.
 */
export type TransactionEvent = { type: 'ABORT'; reason: string };

/** Input of the transaction machine. */
export interface TransactionInput {
  /** Which transaction this is (`transaction.<id>` on the event log); passed to every actor. */
  readonly id: number;
  /** Retries of the whole function after a retryable failure (0 = none). */
  readonly maxRetries: number;
  /** Milliseconds an attempt may stay `active` before it is rolled back (0 = no timeout). */
  readonly timeoutMs: number;
}

/** What the machine remembers. The caller's result stays outside the machine (it may be large or private). */
export interface TransactionContext {
  readonly id: number;
  /** 1 for the first attempt. */
  attempt: number;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  /** Where the last attempt failed, if it did. */
  failedIn?: TransactionFailure;
  /** The error of the last failure (the caller's, the driver's, or the ABORT reason). */
  error?: unknown;
  /** The error of `rollBack` when ROLLBACK itself failed (the connection is then retired by `src/`). */
  rollbackError?: unknown;
  /** Back-off before the next attempt, from the last {@link RollbackOutcome} (or the failed `rollBack`'s error). */
  backoffMs?: number;
  outcome?: 'committed' | 'rolledBack';
}

/** The machine's output once final. */
export interface TransactionOutput {
  readonly outcome: 'committed' | 'rolledBack';
  /** Attempts made, the last one included. */
  readonly attempts: number;
  readonly failedIn?: TransactionFailure;
  readonly error?: unknown;
  /** The last attempt's ROLLBACK failed with this error (its connection was retired). */
  readonly rollbackError?: unknown;
}

/** Input of each invoked actor: which transaction and attempt it serves (and, for `rollBack`, why). */
export interface TransactionAttemptInput {
  readonly id: number;
  readonly attempt: number;
  readonly failedIn?: TransactionFailure;
  readonly error?: unknown;
}

/**
 * The verdict of `rollBack` on the attempt's failure: whether `src/` judged it worth a fresh
 * attempt (a deadlock, a serialization failure, a connection lost before COMMIT) and how long to
 * wait first. `rollBack` resolves with it when ROLLBACK succeeded; when ROLLBACK itself failed it
 * rejects with an error that carries the same two fields as its own properties. Either way the
 * verdict travels in the event, so that a replayed event log takes the same path.
 */
export interface RollbackOutcome {
  readonly retry: boolean;
  /** Milliseconds of back-off before the next attempt (exponential with jitter). */
  readonly backoffMs: number;
}

/** The verdict in a `rollBack` done event (its output) or error event (the error's fields); plain objects in a replay. */
const verdictOf = (event: unknown): Partial<RollbackOutcome> | undefined => {
  const e = event as { output?: unknown; error?: unknown };
  const verdict = e.output ?? e.error;
  return verdict !== null && typeof verdict === 'object' ? (verdict as Partial<RollbackOutcome>) : undefined;
};

const backoffOf = (event: unknown): number => {
  const ms = verdictOf(event)?.backoffMs;
  return typeof ms === 'number' ? ms : 0;
};

/**
 * The event the `transactionTimeout` delay raises in `active`. `src/` sends it itself when it ran a
 * first attempt outside an actor (its fast path for the common case) and that attempt's own timer
 * fired: the machine then takes the same transition its timer would have taken.
 */
export const TRANSACTION_TIMEOUT_EVENT = 'xstate.after.transactionTimeout.transaction.active';

/** Longest delay a timer can take (Node clamps larger ones to 1 ms). */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

const notProvided = <T>(name: string) =>
  fromPromise<T, TransactionAttemptInput>(async () => {
    throw new Error(`transaction machine: actor "${name}" must be provided with .provide()`);
  });

/**
 * One database transaction from its first BEGIN to its end, retries included:
 *
 * - `active` — BEGIN and the caller's function run (actor `runBody`). Done → `committing`;
 *   an error → `rollingBack`; the `transactionTimeout` delay or an `ABORT` → `rollingBack`.
 * - `committing` — COMMIT (actor `commit`). Done → `committed`; an error → `rollingBack`.
 * - `rollingBack` — ROLLBACK and connection clean-up (actor `rollBack`, which resolves with a
 *   {@link RollbackOutcome}). Then `retrying` when `hasRetriesLeft` and the verdict plans a retry
 *   (`retryPlanned`: a deadlock, a serialization failure or a connection lost before COMMIT, judged
 *   by `src/` per dialect), otherwise `rolledBack`. When ROLLBACK itself fails (`src/` retires the
 *   connection, so the database discards the transaction), `rollBack` rejects with an error that
 *   carries the same verdict: the same two branches follow (the retry one records the back-off,
 *   the other one keeps the error as `rollbackError`). An error without a verdict (`retry` not
 *   `true`) ends in `rolledBack`.
 * - `retrying` — waits `retryBackoff` (the outcome's `backoffMs`), then a fresh attempt in
 *   `active`. An `ABORT` ends it in `rolledBack`.
 * - `committed`, `rolledBack` — final; the output says which, after how many attempts, and why.
 *
 * Pure: `src/database/` provides the actors `runBody`, `commit` and `rollBack` once, and finds the
 * transaction each run serves by the `id` in its input (the defaults here throw). Every decision
 * (retry or not, how long to back off) arrives in events, so a replay of a
 * recorded log follows the same path without running any I/O.
 *
 * @example
 * ```ts
 * const actor = startMachine(ctx, transactionMachine.provide({ actors: { runBody, commit, rollBack } }), {
 *   source: 'transaction.1', input: { id: 1, maxRetries: 3, timeoutMs: 30_000 },
 * });
 * ```
 */
export const transactionMachine = setup({
  types: {
    context: {} as TransactionContext,
    events: {} as TransactionEvent,
    input: {} as TransactionInput,
    output: {} as TransactionOutput,
  },
  actors: {
    runBody: notProvided<void>('runBody'),
    commit: notProvided<void>('commit'),
    rollBack: notProvided<RollbackOutcome>('rollBack'),
  },
  guards: {
    hasRetriesLeft: ({ context }) => context.attempt <= context.maxRetries,
    retryPlanned: ({ event }) => verdictOf(event)?.retry === true,
  },
  delays: {
    transactionTimeout: ({ context }) =>
      context.timeoutMs > 0 ? Math.min(context.timeoutMs, NO_TIMEOUT_MS) : NO_TIMEOUT_MS,
    retryBackoff: ({ context }) => Math.min(Math.max(0, context.backoffMs ?? 0), NO_TIMEOUT_MS),
  },
  actions: {
    recordBodyError: assign({
      failedIn: 'body' as const,
      error: ({ event }) => ('error' in event ? event.error : undefined),
    }),
    recordCommitError: assign({
      failedIn: 'commit' as const,
      error: ({ event }) => ('error' in event ? event.error : undefined),
    }),
    recordTimeout: assign({ failedIn: 'timeout' as const, error: undefined }),
    recordAbort: assign({
      failedIn: 'abort' as const,
      error: ({ event }) => (event.type === 'ABORT' ? event.reason : undefined),
    }),
    recordRollbackOutcome: assign({ backoffMs: ({ event }) => backoffOf(event) }),
    recordRollbackFailure: assign({ rollbackError: ({ event }) => ('error' in event ? event.error : undefined) }),
    startNextAttempt: assign({ attempt: ({ context }) => context.attempt + 1, rollbackError: undefined }),
    markCommitted: assign({ outcome: 'committed' as const }),
    markRolledBack: assign({ outcome: 'rolledBack' as const }),
  },
}).createMachine({
  id: 'transaction',
  context: ({ input }) => ({ id: input.id, attempt: 1, maxRetries: input.maxRetries, timeoutMs: input.timeoutMs }),
  initial: 'active',
  output: ({ context }) => ({
    outcome: context.outcome ?? 'rolledBack',
    attempts: context.attempt,
    ...(context.failedIn !== undefined ? { failedIn: context.failedIn, error: context.error } : {}),
    ...(context.rollbackError !== undefined ? { rollbackError: context.rollbackError } : {}),
  }),
  states: {
    active: {
      invoke: {
        src: 'runBody',
        input: ({ context }) => ({ id: context.id, attempt: context.attempt }),
        onDone: 'committing',
        onError: { target: 'rollingBack', actions: 'recordBodyError' },
      },
      after: { transactionTimeout: { target: 'rollingBack', actions: 'recordTimeout' } },
      on: { ABORT: { target: 'rollingBack', actions: 'recordAbort' } },
    },
    committing: {
      invoke: {
        src: 'commit',
        input: ({ context }) => ({ id: context.id, attempt: context.attempt }),
        onDone: 'committed',
        onError: { target: 'rollingBack', actions: 'recordCommitError' },
      },
    },
    rollingBack: {
      invoke: {
        src: 'rollBack',
        input: ({ context }) => ({
          id: context.id,
          attempt: context.attempt,
          ...(context.failedIn ? { failedIn: context.failedIn, error: context.error } : {}),
        }),
        onDone: [
          { guard: and(['hasRetriesLeft', 'retryPlanned']), target: 'retrying', actions: 'recordRollbackOutcome' },
          { target: 'rolledBack', actions: 'recordRollbackOutcome' },
        ],
        onError: [
          { guard: and(['hasRetriesLeft', 'retryPlanned']), target: 'retrying', actions: 'recordRollbackOutcome' },
          { target: 'rolledBack', actions: 'recordRollbackFailure' },
        ],
      },
    },
    retrying: {
      entry: 'startNextAttempt',
      after: { retryBackoff: 'active' },
      on: { ABORT: { target: 'rolledBack', actions: 'recordAbort' } },
    },
    committed: { type: 'final', entry: 'markCommitted' },
    rolledBack: { type: 'final', entry: 'markRolledBack' },
  },
});
