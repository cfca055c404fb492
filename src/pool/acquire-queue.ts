import type { Clock } from '../kernel/clock.js';
import type { AcquireSite } from './acquire-site.js';
import type { Lease } from './lease.js';
import { WaiterQueue, type Queued } from './waiter-queue.js';

/** An acquire waiting in the queue. */
export interface Waiter<C> extends Queued {
  readonly resolve: (lease: Lease<C>) => void;
  readonly reject: (error: unknown) => void;
  readonly site: AcquireSite | undefined;
  /** `performance.now()` at the acquire, for the acquire-time histogram. */
  readonly startedAt: number;
  /** The pool's count of leases at the acquire: what it lent to others while this one waited. */
  readonly lentBefore: number;
  timer: unknown;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The acquires a pool cannot serve at once, first come first served, each with its timeout on
 * the pool's clock and its caller's abort signal. A waiter taken out by {@link shift} or
 * {@link drain} has its timer and listener cleared: the pool only resolves or rejects it.
 */
export class AcquireQueue<C> {
  private readonly waiters = new WaiterQueue<Waiter<C>>();

  public constructor(
    private readonly clock: Clock,
    /** Leases the pool has made so far (a count that only grows). */
    private readonly lent: () => number,
    /**
     * Makes the error of an acquire that waited `timeoutMs` in vain (and counts it);
     * `lentMeanwhile`: connections the pool lent to other acquires during that wait.
     */
    private readonly timedOut: (timeoutMs: number, lentMeanwhile: number) => Error,
  ) {}

  public get length(): number {
    return this.waiters.length;
  }

  /** Queues an acquire; it rejects after `timeoutMs` (0: never) or when `signal` aborts. */
  public enqueue(signal: AbortSignal | undefined, timeoutMs: number, site: AcquireSite | undefined): Promise<Lease<C>> {
    return new Promise<Lease<C>>((resolve, reject) => {
      const w: Waiter<C> = {
        queued: false,
        resolve,
        reject,
        site,
        startedAt: performance.now(),
        lentBefore: this.lent(),
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      if (timeoutMs > 0) w.timer = this.clock.setTimeout(() => this.timeOut(w, timeoutMs), timeoutMs);
      if (signal) {
        w.onAbort = () => {
          if (!w.queued) return;
          this.waiters.remove(w);
          this.settle(w);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
    });
  }

  /** The oldest waiter, out of the queue. */
  public shift(): Waiter<C> | undefined {
    const w = this.waiters.shift();
    if (w) this.settle(w);
    return w;
  }

  /** Every waiter, out of the queue. */
  public drain(): Waiter<C>[] {
    const all = this.waiters.drain();
    for (const w of all) this.settle(w);
    return all;
  }

  /** Clears a waiter's timer and abort listener once it leaves the queue. */
  private settle(w: Waiter<C>): void {
    if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
  }

  private timeOut(w: Waiter<C>, timeoutMs: number): void {
    if (!w.queued) return;
    this.waiters.remove(w);
    w.timer = undefined;
    this.settle(w);
    w.reject(this.timedOut(timeoutMs, this.lent() - w.lentBefore));
  }
}
