/**
 * An abort whose `AbortSignal` is only made when someone reads it: the first attempt of a
 * transaction hands its function a signal that almost nobody reads, and an `AbortController` per
 * transaction was a measurable part of its bookkeeping. Aborting before the signal exists keeps
 * the reason; the signal made later is already aborted with it.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private abortedWith: { readonly reason: unknown } | undefined;

  public get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  public get reason(): unknown {
    return this.abortedWith?.reason;
  }

  public get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  public abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
  }
}
