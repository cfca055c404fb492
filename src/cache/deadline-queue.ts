import { OperationTimeoutError } from '../errors/operation-timeout-error.js';
import type { Clock } from '../runtime/clock.js';

interface Pending {
  readonly due: number;
  readonly operation: string;
  readonly reject: (error: Error) => void;
  done: boolean;
}

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
 * ```
 */
export class DeadlineQueue {
  private queue: Pending[] = [];
  private head = 0;
  private timer: unknown;

  public constructor(
    private readonly clock: Clock,
    private readonly resource: string,
    public readonly timeoutMs: number,
  ) {}

  /** `promise`, or an `OperationTimeoutError` once `timeoutMs` has passed without it settling. */
  public run<T>(operation: string, promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { due: this.clock.now() + this.timeoutMs, operation, reject, done: false };
      this.queue.push(entry);
      if (this.timer === undefined) this.arm();
      promise.then(
        (value) => {
          if (entry.done) return;
          entry.done = true;
          this.trim();
          resolve(value);
        },
        (error: unknown) => {
          if (entry.done) return;
          entry.done = true;
          this.trim();
          reject(error);
        },
      );
    });
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
        entry.reject(new OperationTimeoutError(this.resource, entry.operation, this.timeoutMs));
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
