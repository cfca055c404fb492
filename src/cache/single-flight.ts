/**
 * Runs at most one call per key at a time in this process: callers that arrive while a call for
 * their key is running get that call's promise (its value or its error) instead of starting
 * another. This is how 100 concurrent `getOrSet` misses on one key make one loader call.
 */
export class SingleFlight<T = unknown> {
  private readonly flights = new Map<string, Promise<T>>();

  /** The running call for `key`, or a new one made by `fn`. */
  public run(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.flights.get(key);
    if (running) return running;
    const flight = fn().finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return flight;
  }

  /** True while a call for `key` runs. */
  public has(key: string): boolean {
    return this.flights.has(key);
  }

  /** Number of keys with a call running. */
  public get size(): number {
    return this.flights.size;
  }
}
