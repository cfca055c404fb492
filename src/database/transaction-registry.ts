import type { RunningTransactionInfo } from './transaction-info.js';

/** A running top-level transaction as the registry sees it. */
export interface RunningTransaction {
  /** What `stator.db.transactions()` shows of it, computed when asked. */
  describe?(): RunningTransactionInfo;
  /** Rolls it back as soon as possible (sends the machine `ABORT`). */
  abort(reason: string): void;
  /** Settles when it has ended, whatever the outcome. */
  readonly done: Promise<unknown>;
}

/**
 * The top-level transactions in flight, and whether new ones are accepted. The shutdown path uses
 * it: `refuseNew(reason)` first, then `drain(signal)`: running transactions finish, and those
 * still running when `signal` aborts are rolled back.
 */
export class TransactionRegistry {
  private readonly running = new Set<RunningTransaction>();
  private refusal: string | undefined;

  /** Why new transactions are refused, or undefined while they are accepted. */
  public get refusedReason(): string | undefined {
    return this.refusal;
  }

  public get size(): number {
    return this.running.size;
  }

  /** The running transactions that describe themselves, oldest first. */
  public list(): RunningTransactionInfo[] {
    const out: RunningTransactionInfo[] = [];
    for (const tx of this.running) if (tx.describe) out.push(tx.describe());
    return out.sort((a, b) => a.startedAt - b.startedAt || a.id - b.id);
  }

  /** Refuses new transactions with `TransactionRefusedError(reason)` from now on. */
  public refuseNew(reason: string): void {
    this.refusal = reason;
  }

  /** Accepts new transactions again (on start). */
  public acceptNew(): void {
    this.refusal = undefined;
  }

  /** Adds `tx` until its `done` settles. */
  public add(tx: RunningTransaction): void {
    this.running.add(tx);
    void tx.done.finally(() => this.running.delete(tx)).catch(() => undefined);
  }

  /**
   * Adds `tx` until the caller calls {@link remove} (no promise chained per transaction: the
   * transaction runner removes its own when it ends). `tx.done` must never reject unhandled.
   */
  public enter(tx: RunningTransaction): void {
    this.running.add(tx);
  }

  public remove(tx: RunningTransaction): void {
    this.running.delete(tx);
  }

  /**
   * Resolves once no transaction is running. When `signal` aborts first, the running ones are
   * rolled back (`TransactionAbortedError` for their callers) and awaited.
   */
  public async drain(signal: AbortSignal): Promise<void> {
    while (this.running.size) {
      const all = Promise.allSettled([...this.running].map((t) => t.done));
      if (signal.aborted) {
        for (const tx of this.running) tx.abort('database stopping');
        await all;
        return;
      }
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        void all.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }
}
