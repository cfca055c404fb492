/** What {@link TickWriteCoalescer} holds: a socket, or another stream that can be corked. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Sends what is written to a socket within one tick in at most two system calls.
 *
 * Clients such as memjs and ioredis write each request with its own `socket.write`, a system call
 * each; with many calls in flight that call is most of the CPU a cache call costs.
 * {@link TickWriteCoalescer.hold} is called before the client writes. The tick's first request
 * to a socket is written at once, as without it (a lone call pays nothing but a `nextTick`); on the
 * second, the socket is corked until `process.nextTick`, so the rest of the tick's requests leave
 * in one `writev` before the event loop polls for I/O: no added latency, the same bytes on the
 * wire, the same order. (ioredis' `enableAutoPipelining` batches too, with a pipeline object per
 * tick.)
 *
 * @example
 * ```ts
 * const writes = new TickWriteCoalescer();
 * writes.hold(client.stream);
 * client.get(key); // written with the tick's other requests
 * ```
 */
export class TickWriteCoalescer {
  /** The sockets written to this tick, and whether each is corked. */
  private readonly seen = new Map<Corkable, boolean>();
  /** The socket of the last call (most calls write to the same one: no map lookup). */
  private last: Corkable | undefined;
  private lastCorked = false;
  private flushing = false;
  private readonly flush = (): void => {
    this.flushing = false;
    this.last = undefined;
    this.lastCorked = false;
    for (const [socket, corked] of this.seen) if (corked) socket.uncork();
    this.seen.clear();
  };

  /** Notes a write to `socket` about to happen: from the tick's second one on, held until the tick ends. */
  public hold(socket: Corkable): void {
    if (socket !== this.last) {
      const corked = this.seen.get(socket);
      this.last = socket;
      if (corked === undefined) {
        this.seen.set(socket, false);
        this.lastCorked = false;
        if (!this.flushing) {
          this.flushing = true;
          process.nextTick(this.flush);
        }
        return;
      }
      this.lastCorked = corked;
    }
    if (this.lastCorked) return;
    socket.cork();
    this.seen.set(socket, true);
    this.lastCorked = true;
  }

  /** True when `socket` was written to this tick. */
  public tracks(socket: Corkable): boolean {
    return this.seen.has(socket);
  }

  /** Writes out whatever is held (when the client closes). */
  public release(): void {
    if (this.seen.size) this.flush();
  }
}
