/**
 * What a pool's `close()` waits for: lent connections to come back, then the creates,
 * validations and closes still in flight. The pool hands every piece of background work to
 * {@link track} and calls {@link check} whenever a lease comes back.
 */
export class PoolDrain {
  private readonly inFlight = new Set<Promise<void>>();
  private onDrained: (() => void) | undefined;

  public constructor(
    /** Reports a rejection of tracked work (an internal error: the work handles its own failures). */
    private readonly report: (error: unknown) => void,
  ) {}

  /** Runs `work` in the background; {@link settled} waits for it. */
  public track(work: Promise<void>): void {
    const p = work.catch(this.report);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves once {@link check} sees no lease out (at once when `busy` is 0), or when `signal` aborts. */
  public leasesBack(busy: number, signal: AbortSignal | undefined): Promise<void> {
    if (busy === 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.onDrained = resolve;
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** A lease came back (or a connection closed): `busy` are still out. */
  public check(busy: number): void {
    if (this.onDrained && busy === 0) {
      const resolve = this.onDrained;
      this.onDrained = undefined;
      resolve();
    }
  }

  /** Resolves once no tracked work is in flight, including work started meanwhile. */
  public async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
