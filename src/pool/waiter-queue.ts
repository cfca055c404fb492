/** Something that can wait in a {@link WaiterQueue}. */
export interface Queued {
  /** True while in the queue; the queue clears it when the item leaves. */
  queued: boolean;
}

/**
 * First in, first out queue of waiting acquires. Push and shift are O(1); removing a waiter
 * from the middle (its timeout fired, its signal aborted) is O(1) too: it is only marked, and
 * skipped when it reaches the head.
 */
export class WaiterQueue<W extends Queued> {
  private items: (W | undefined)[] = [];
  private head = 0;
  private live = 0;

  /** Waiters still queued. */
  public get length(): number {
    return this.live;
  }

  public push(waiter: W): void {
    waiter.queued = true;
    this.items.push(waiter);
    this.live++;
  }

  /** The oldest waiter still queued, taken out of the queue. */
  public shift(): W | undefined {
    while (this.head < this.items.length) {
      const w = this.items[this.head];
      this.items[this.head++] = undefined;
      if (w?.queued) {
        w.queued = false;
        this.live--;
        this.compact();
        return w;
      }
    }
    this.compact();
    return undefined;
  }

  /** Takes a waiter out wherever it is. No-op if it already left. */
  public remove(waiter: W): void {
    if (!waiter.queued) return;
    waiter.queued = false;
    this.live--;
    if (this.live === 0) this.compact();
  }

  /** Takes every waiter out, oldest first. */
  public drain(): W[] {
    const out: W[] = [];
    for (let w = this.shift(); w; w = this.shift()) out.push(w);
    return out;
  }

  private compact(): void {
    if (this.live === 0) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
