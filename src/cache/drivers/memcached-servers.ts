import { classifyError } from '../../resilience/index.js';
import type { Clock } from '../../kernel/clock.js';
import type { NodeObserver } from '../driver.js';

/** Options of {@link MemcachedServers}. */
export interface MemcachedServersOptions {
  readonly addresses: readonly string[];
  readonly clock: Clock;
  /** Milliseconds between probes of a server that is down (`cache.retry_delay`). */
  readonly retryDelayMs: number;
  /** One round trip to one server; rejects when it does not answer. */
  readonly probe: (address: string) => Promise<void>;
  readonly observer: NodeObserver;
}

/**
 * Follows the health of each Memcached server. memjs has no connection events of its own: a
 * server is marked down when an operation on it fails with a connection error or a timeout,
 * then probed every `retry_delay` on the instance clock until it answers, and marked up again
 * (by the probe, or by any operation that succeeds on it). Each change goes to the observer, so
 * each server's connection machine goes `idle` → `reconnecting` → `idle`.
 */
export class MemcachedServers {
  private readonly down = new Set<string>();
  /** Down servers that keep their connection but stopped answering (a subset of `down`). */
  private readonly unresponsive = new Set<string>();
  private readonly timers = new Map<string, unknown>();
  /** Servers reported at least once (the first answer reports `ready`). */
  private readonly seen = new Set<string>();
  private stopped = false;

  public constructor(private readonly options: MemcachedServersOptions) {}

  /** True while any server is down (the hot path only looks further then). */
  public get anyDown(): boolean {
    return this.down.size > 0;
  }

  public isDown(address: string): boolean {
    return this.down.has(address);
  }

  /** Probes every server once; resolves with those that answered. */
  public async probeAll(): Promise<string[]> {
    const results = await Promise.allSettled(this.options.addresses.map((a) => this.options.probe(a)));
    const up: string[] = [];
    results.forEach((result, i) => {
      const address = this.options.addresses[i] as string;
      if (result.status === 'fulfilled') {
        up.push(address);
        this.markUp(address);
      } else {
        this.markDown(address, result.reason);
      }
    });
    return up;
  }

  /** Records that `address` answered. */
  public markUp(address: string): void {
    const wasDown = this.down.delete(address);
    this.unresponsive.delete(address);
    this.clearTimer(address);
    if (wasDown || !this.seen.has(address)) {
      this.seen.add(address);
      this.options.observer(address, 'ready');
    }
  }

  /** Records that `address` failed with a connection error or a timeout; probes it until it is back. */
  public markDown(address: string, error: unknown): void {
    if (this.stopped) return;
    this.seen.add(address);
    if (this.down.has(address)) return;
    this.down.add(address);
    this.options.observer(address, 'error', error);
    this.options.observer(address, 'reconnecting');
    this.schedule(address);
  }

  /**
   * Records that a call to `address` got no answer in time while its connection stays open (a
   * frozen or overloaded server); probes it until it answers. A server already down stays as it is.
   */
  public markUnresponsive(address: string, error: unknown): void {
    if (this.stopped || this.down.has(address)) return;
    this.seen.add(address);
    this.down.add(address);
    this.unresponsive.add(address);
    this.options.observer(address, 'unresponsive', error);
    this.schedule(address);
  }

  /** Stops probing. */
  public stop(): void {
    this.stopped = true;
    for (const address of [...this.timers.keys()]) this.clearTimer(address);
  }

  private schedule(address: string): void {
    if (this.stopped || this.timers.has(address)) return;
    const id = this.options.clock.setTimeout(() => {
      this.timers.delete(address);
      this.options.probe(address).then(
        () => {
          if (!this.stopped) this.markUp(address);
        },
        (reason: unknown) => {
          if (!this.stopped && this.down.has(address)) {
            // A server that still does not answer stays unresponsive; one that refuses is gone.
            if (!this.unresponsive.has(address) || classifyError(reason).kind !== 'timeout') {
              this.unresponsive.delete(address);
              this.options.observer(address, 'reconnecting');
            }
            this.schedule(address);
          }
        },
      );
    }, this.options.retryDelayMs);
    this.timers.set(address, id);
  }

  private clearTimer(address: string): void {
    const id = this.timers.get(address);
    if (id === undefined) return;
    this.options.clock.clearTimeout(id);
    this.timers.delete(address);
  }
}
