import { OperationTimeoutError } from '../errors/operation-timeout-error.js';
import { unrefTimer, type Clock } from '../kernel/clock.js';

/** A call timed by a {@link DeadlineQueue} (see {@link DeadlineQueue.start}). */
export interface Deadline {
  readonly due: number;
  readonly operation: string;
  readonly reject: (error: Error) => void;
  /** What the call went to (a server), for {@link DeadlineQueue}'s `onExpired`. */
  readonly subject: unknown;
  done: boolean;
}

type Pending = Deadline;

/** Compact the queue once this many settled entries sit before the head. */
const COMPACT_AT = 1024;

/**
 * Bounds calls by one fixed timeout with a single timer. Every call gets the same timeout, so
 * deadlines fall due in the order calls start: a FIFO queue and one timer armed for its head
 * replace a timer (and an AbortSignal) per call, which cost more than a local Memcached round
 * trip. A call still running at its deadline is rejected with `OperationTimeoutError`; its
 * late answer is ignored.
 *
 * @example
 * ```ts
 * const deadlines = new DeadlineQueue(clock, 'cache', 500);
 * const value = await deadlines.run('get', client.get(key)); // rejects after 500 ms without an answer
 * // A callback API, with no promise of the queue's own:
 * const answer = new Promise((resolve, reject) => {
 *   const deadline = deadlines.start('get', reject);
 *   client.get(key, (error, value) => {
 *     if (!deadlines.settle(deadline)) return; // too late: already rejected
 *     if (error) reject(error); else resolve(value);
 *   });
 * });
 * ```
 */
export class DeadlineQueue {
  private queue: Pending[] = [];
  private head = 0;
  private timer: unknown;

  /**
   * @param onExpired called after a call is rejected at its deadline, with what it was started with
   * (the driver tells that server's node machine it stopped answering).
   */
  public constructor(
    private readonly clock: Clock,
    private readonly resource: string,
    public readonly timeoutMs: number,
    private readonly onExpired?: (deadline: Deadline, error: OperationTimeoutError) => void,
  ) {}

  /** `promise`, or an `OperationTimeoutError` once `timeoutMs` has passed without it settling. */
  public run<T>(operation: string, promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = this.start(operation, reject);
      promise.then(
        (value) => {
          if (this.settle(entry)) resolve(value);
        },
        (error: unknown) => {
          if (this.settle(entry)) reject(error);
        },
      );
    });
  }

  /**
   * Starts timing a call whose answer comes some other way (a callback): `reject` is called with
   * an `OperationTimeoutError` at its deadline, unless {@link DeadlineQueue.settle} came first.
   */
  public start(operation: string, reject: (error: Error) => void, subject?: unknown): Deadline {
    const entry: Deadline = { due: this.clock.now() + this.timeoutMs, operation, reject, subject, done: false };
    this.queue.push(entry);
    if (this.timer === undefined) this.arm();
    return entry;
  }

  /**
   * Records that a started call has its answer. True when it came in time (settle the call
   * with it); false when the deadline passed first (the call was rejected: ignore the answer).
   */
  public settle(entry: Deadline): boolean {
    if (entry.done) return false;
    entry.done = true;
    this.trim();
    return true;
  }

  /** Calls waiting for an answer (for tests and status). */
  public get pending(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (!(this.queue[i] as Pending).done) n++;
    return n;
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const queue = this.queue;
    while (this.head < queue.length) {
      const entry = queue[this.head] as Pending;
      if (!entry.done) {
        if (entry.due > now) break;
        entry.done = true;
        const error = new OperationTimeoutError(this.resource, entry.operation, this.timeoutMs);
        entry.reject(error);
        this.onExpired?.(entry, error);
      }
      this.head++;
    }
    this.compact();
    this.arm();
  }

  private arm(): void {
    const next = this.queue[this.head];
    if (!next) return;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, next.due - this.clock.now()));
    unrefTimer(this.timer);
  }

  /** Drops settled entries from the head, so a steady load keeps the queue short. */
  private trim(): void {
    const queue = this.queue;
    while (this.head < queue.length && (queue[this.head] as Pending).done) this.head++;
    this.compact();
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AT && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
