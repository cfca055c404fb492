import { AsyncLocalStorage } from 'node:async_hooks';

/** One value set by {@link AsyncSlot.run}, and the frame it was set in. */
interface Frame {
  readonly slot: AsyncSlot<unknown>;
  readonly value: unknown;
  readonly parent: Frame | undefined;
}

/**
 * The one `AsyncLocalStorage` behind every {@link AsyncSlot}. On Node 20 each enabled
 * `AsyncLocalStorage` instance runs a hook for every promise and native async resource the whole
 * process creates, whoever created it: a second instance added about 10 µs of client CPU to a
 * one-statement PostgreSQL transaction at concurrency 16 (about 5%), so Stator keeps one.
 */
const storage = new AsyncLocalStorage<Frame>();

/**
 * A value that follows the async context, like an `AsyncLocalStorage` of its own (`run`,
 * `getStore`), sharing one storage with Stator's other slots: the transaction a nested
 * `stator.db.transaction()` call belongs to, the caller's site of a pool acquire.
 *
 * @example
 * ```ts
 * const requestId = new AsyncSlot<string>();
 * requestId.run('r-1', async () => {
 *   await somethingAsync();
 *   requestId.getStore(); // 'r-1'
 * });
 * ```
 */
export class AsyncSlot<T> {
  /** Runs `fn` with `value` as this slot's value in `fn` and in everything it starts. */
  public run<R>(value: T, fn: () => R): R {
    const top = storage.getStore();
    // A slot set again directly over itself replaces its frame: nesting does not grow the chain.
    const parent = top?.slot === this ? top.parent : top;
    return storage.run({ slot: this as AsyncSlot<unknown>, value, parent }, fn);
  }

  /** This slot's value in the current async context, if one was set. */
  public getStore(): T | undefined {
    for (let frame = storage.getStore(); frame; frame = frame.parent) {
      if (frame.slot === this) return frame.value as T;
    }
    return undefined;
  }
}
