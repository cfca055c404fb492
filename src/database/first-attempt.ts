import type { DeadlineQueue } from './deadline-queue.js';
import { LazyAbort } from './lazy-abort.js';
import type { FirstAttemptOutcome, TransactionSession } from './transaction-session.js';

/** Longest delay a timer can take (Node clamps larger ones to 1 ms); the machine uses the same bound. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The first attempt of a top-level transaction, run without an actor: BEGIN and the function
 * (`active`), then COMMIT (`committing`), exactly as the transaction machine's `runBody` and
 * `commit` would run them, with the machine's `transactionTimeout` and `ABORT` honoured while
 * `active` and `ABORT` ignored while committing.
 *
 * Why: an XState actor per transaction (its system, the invoked promise actors, the delayed
 * event) cost 85 µs of CPU at one transaction in flight and over 400 µs at sixteen, more than
 * knex's whole transaction. Most transactions commit on their first attempt and that path makes
 * no decision: the machine is only needed when something goes wrong. On any failure the runner
 * starts the machine and hands it this outcome (see `TransactionSession.handOver`), so rollback,
 * the retry verdict and back-off stay the machine's. When someone records the machines' events
 * (the event log, `events$`, an inspector) the runner uses the machine from the start instead, so
 * the log shows every transition.
 */
export class FirstAttempt {
  private phase: 'active' | 'committing' | 'ended' = 'active';
  private readonly abortBody = new LazyAbort();
  private stop: ((outcome: FirstAttemptOutcome | undefined) => void) | undefined;
  private interrupted: FirstAttemptOutcome | undefined;

  public constructor(
    private readonly session: TransactionSession<unknown>,
    private readonly id: number,
    private readonly timeoutMs: number,
    /** The runner's queue of transaction timeouts (one timer for all of them). */
    private readonly timeouts: DeadlineQueue,
  ) {}

  /** The machine state this phase stands for (`rollingBack` once it ended without committing). */
  public get state(): 'active' | 'committing' | 'rollingBack' {
    return this.phase === 'ended' ? 'rollingBack' : this.phase;
  }

  /** Runs the attempt; never rejects (a failure is an outcome for the machine to handle). */
  public async run(): Promise<FirstAttemptOutcome> {
    const deadline =
      this.timeoutMs > 0
        ? this.timeouts.add(Math.min(this.timeoutMs, MAX_TIMER_MS), () => this.interrupt('timeout'))
        : undefined;
    // The body, or a timeout or ABORT that comes first: one promise settled by whichever is first.
    const settled = await new Promise<FirstAttemptOutcome | undefined>((resolve) => {
      this.stop = resolve;
      this.session.runBody({ id: this.id, attempt: 1 }, this.abortBody).then(
        () => resolve(undefined),
        (error: unknown) => resolve({ committed: false, failedIn: 'body', error }),
      );
    });
    deadline?.cancel();
    // A timeout or ABORT that came first wins, even if the body settled in the same turn.
    const failed = this.interrupted ?? settled;
    if (failed) {
      this.phase = 'ended';
      return failed;
    }
    this.phase = 'committing';
    try {
      await this.session.commit();
      return { committed: true };
    } catch (error) {
      return { committed: false, failedIn: 'commit', error };
    } finally {
      this.phase = 'ended';
    }
  }

  /** `ABORT` from the registry: taken while `active` (true), ignored while committing or after (false). */
  public abort(reason: string): boolean {
    return this.interrupt('abort', reason);
  }

  private interrupt(failedIn: 'timeout' | 'abort', reason?: string): boolean {
    if (this.phase !== 'active') return false;
    this.phase = 'ended';
    // As when the machine leaves `active`: the body's signal aborts; its late result is ignored.
    this.abortBody.abort(
      new Error(failedIn === 'timeout' ? 'transaction timed out' : `transaction aborted: ${reason ?? ''}`),
    );
    this.interrupted =
      failedIn === 'abort' ? { committed: false, failedIn, error: reason } : { committed: false, failedIn };
    this.stop?.(this.interrupted);
    return true;
  }
}
