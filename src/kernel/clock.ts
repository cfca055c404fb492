/**
 * Every timer in Stator goes through a {@link Clock}: XState's delays (passed as the actor's
 * `clock` option), pool idle checks, retry back-off sleeps, alert hold durations. A test swaps
 * in a {@link TestClock} and runs an hour of breaker behaviour in milliseconds.
 *
 * The shape is XState's own `Clock` plus `now()`, so one object serves both.
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the start of a simulation). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** The real clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/**
 * Lets the process exit while `timer` is pending, when it is a Node timer (a `TestClock` id is
 * left alone). For watchdog and housekeeping timers: work in flight keeps the process alive
 * through its own sockets, so the timer never needs to.
 */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function')
    timer.unref();
}

/**
 * Resolves after `ms` on `clock`; rejects with the signal's reason as soon as `signal` aborts,
 * so an abort cuts a back-off sleep short.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(id);
      reject(signal?.reason);
    };
    const id = clock.setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A simulated clock for tests. Time moves only when the test calls {@link TestClock.advance},
 * which fires due timers in order of their due time and lets promise callbacks settle between
 * timers, so async code (a retry that sleeps, then awaits an attempt, then sleeps again)
 * behaves as it would in real time.
 *
 * @example
 * ```ts
 * const clock = new TestClock();
 * const stator = createStator({ config, clock });
 * await clock.advance(60_000); // one minute, instantly
 * ```
 */
export class TestClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, PendingTimer>();

  public constructor(start = 0) {
    this.current = start;
  }

  public now(): number {
    return this.current;
  }

  public setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.current + Math.max(0, ms), fn });
    return id;
  }

  public clearTimeout(id: unknown): void {
    this.timers.delete(id as number);
  }

  /** Number of timers waiting to fire. */
  public get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers
   * scheduled by those timers), in due order, and settling promise callbacks between them.
   */
  public async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.fn();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Fires timers until none are left (or `limit` have fired), however far away they are. */
  public async runAll(limit = 10_000): Promise<void> {
    for (let fired = 0; fired < limit; fired++) {
      const next = this.nextDue(Number.POSITIVE_INFINITY);
      if (!next) return;
      await this.advance(next.due - this.current);
    }
    throw new Error(`TestClock.runAll: more than ${limit} timers fired; is a timer re-arming itself?`);
  }

  private nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}

/** Lets queued promise callbacks (and those they queue) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
