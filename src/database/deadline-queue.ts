import { unrefTimer, type Clock } from '../kernel/clock.js';

/** Longest delay a timer can take (Node clamps larger ones to 1 ms): a later deadline re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A deadline in a {@link DeadlineQueue}: cancel it once the work it bounds has settled. */
export interface Deadline {
  cancel(): void;
}

class Entry implements Deadline {
  public prev: Entry | undefined;
  public next: Entry | undefined;
  public queued = true;

  public constructor(
    private readonly queue: DeadlineQueue,
    public readonly at: number,
    public readonly fire: () => void,
  ) {}

  public cancel(): void {
    if (this.queued) this.queue.unlink(this);
  }
}

/**
 * Deadlines of one kind (the transactions' timeouts, COMMIT's answers) on one timer of `clock`,
 * instead of a timer each: entries in deadline order (one duration per kind, so a new entry goes
 * at the tail), the timer armed for the earliest. Cancelling an entry leaves the timer as it is;
 * when it fires early it re-arms for the entry then first. A transaction thus costs a list node,
 * not a timer set and cleared (with async hooks on, each Node timer is an async resource too).
 *
 * The timer is unref'd: the work a deadline bounds keeps the process alive by its own I/O.
 */
export class DeadlineQueue {
  private head: Entry | undefined;
  private tail: Entry | undefined;
  private timer: unknown;
  private armedAt = Number.POSITIVE_INFINITY;

  public constructor(private readonly clock: Clock) {}

  /** Calls `fire` once `ms` have passed on the clock, unless cancelled first. */
  public add(ms: number, fire: () => void): Deadline {
    const entry = new Entry(this, this.clock.now() + ms, fire);
    let before = this.tail;
    while (before && before.at > entry.at) before = before.prev;
    entry.prev = before;
    entry.next = before ? before.next : this.head;
    if (entry.next) entry.next.prev = entry;
    else this.tail = entry;
    if (before) before.next = entry;
    else this.head = entry;
    if (entry.at < this.armedAt) this.arm(entry.at);
    return entry;
  }

  /** @internal Removes `entry` (see {@link Deadline.cancel}). */
  public unlink(entry: Entry): void {
    entry.queued = false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = entry.next = undefined;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.armedAt = at;
    const ms = Math.min(Math.max(0, at - this.clock.now()), MAX_TIMER_MS);
    this.timer = this.clock.setTimeout(() => this.expire(), ms);
    unrefTimer(this.timer);
  }

  private expire(): void {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (let e = this.head; e && e.at <= now; e = this.head) {
      this.unlink(e);
      e.fire();
    }
    if (this.head && this.timer === undefined) this.arm(this.head.at);
  }
}

/**
 * Settles like `work`, unless `ms` pass on `queue`'s clock first: then rejects with `onTimeout()`.
 * As `withDeadline` without a signal, with the deadline on a shared {@link DeadlineQueue}.
 */
export function raceDeadline<T>(
  queue: DeadlineQueue,
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline = queue.add(ms, () => reject(onTimeout()));
    work.then(
      (value) => {
        deadline.cancel();
        resolve(value);
      },
      (error: unknown) => {
        deadline.cancel();
        reject(error);
      },
    );
  });
}
