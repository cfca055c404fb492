/** What {@link TickWriteCoalescer} holds: a socket (or any stream that can be corked). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Sends what is written to a socket within one tick in one system call.
 *
 * Clients such as memjs and ioredis write each request with its own `socket.write`, a system call
 * each; with many calls in flight that call is most of the CPU a cache call costs.
 * {@link TickWriteCoalescer.hold}, called before the client writes, corks the socket on the tick's
 * first request and uncorks it on `process.nextTick`, so the tick's requests leave in one `writev`
 * before the event loop polls for I/O: no added latency, the same bytes on the wire, the same
 * order. (ioredis' `enableAutoPipelining` batches the same way, with a pipeline object per tick.)
 *
 * @example
 * ```ts
 * const writes = new TickWriteCoalescer();
 * writes.hold(client.stream);
 * client.get(key); // written with the tick's other requests
 * ```
 */
export class TickWriteCoalescer {
  private readonly held = new Set<Corkable>();
  /** The socket held last (most calls hold the same one: no set lookup). */
  private last: Corkable | undefined;
  private flushing = false;
  private readonly flush = (): void => {
    this.flushing = false;
    this.last = undefined;
    for (const socket of this.held) socket.uncork();
    this.held.clear();
  };

  /** Holds `socket`'s writes until the end of this tick. */
  public hold(socket: Corkable): void {
    if (socket === this.last || this.held.has(socket)) return;
    socket.cork();
    this.held.add(socket);
    this.last = socket;
    if (!this.flushing) {
      this.flushing = true;
      process.nextTick(this.flush);
    }
  }

  /** True when `socket` is held this tick. */
  public holds(socket: Corkable): boolean {
    return this.held.has(socket);
  }

  /** Writes out whatever is held (when the client closes). */
  public release(): void {
    if (this.held.size) this.flush();
  }
}
