/** What `PoolPurge.settled` resolves with: what one `purge()` replaced. */
export interface PurgeReport {
  /** Connections opened (or being opened) before the purge, all closed now. */
  readonly replaced: number;
  /** Of those, idle ones retired at once. */
  readonly idle: number;
  /** Of those, lent ones retired when their holders gave them back. */
  readonly busy: number;
  /** Of those, ones being opened, validated or closed at the purge, retired as soon as that finished. */
  readonly inProgress: number;
  /** Clock milliseconds from the purge to the close of the last connection it replaced. */
  readonly durationMs: number;
}

/** The pool's view of one connection, as a purge needs it. */
export interface PurgeCandidate {
  /** The purge generation the connection was opened in. */
  readonly generation: number;
  readonly state: string;
}

interface Pending {
  readonly generation: number;
  readonly startedAt: number;
  readonly counts: { idle: number; busy: number; inProgress: number };
  remaining: number;
  readonly resolve: (report: PurgeReport) => void;
}

/**
 * Generations of a pool's connections, for `purge()`: each purge starts a new generation, and a
 * connection of an older one is retired with the reason `purge` at the first moment it is not
 * lent (at once when idle, on release when busy, after its create or validation finishes).
 * Waiters are never failed by a purge: they are served by connections of the new generation,
 * opened as they need them. Plain counters; the pool calls {@link outdated} where it already
 * decides whether a connection is usable, so a borrow costs one integer comparison.
 */
export class PoolPurge {
  private current = 0;
  private readonly pending: Pending[] = [];

  /** The generation new connections belong to. */
  public get generation(): number {
    return this.current;
  }

  /** Whether `c` was opened before the latest purge and must be replaced. */
  public outdated(c: PurgeCandidate): boolean {
    return c.generation < this.current;
  }

  /**
   * Starts a purge over `connections` (every connection the pool has, in any state); resolves
   * once every one of them has closed. The pool retires the idle ones right after this call.
   */
  public start(connections: Iterable<PurgeCandidate>, now: number): Promise<PurgeReport> {
    this.current++;
    const counts = { idle: 0, busy: 0, inProgress: 0 };
    let remaining = 0;
    for (const c of connections) {
      if (c.state === 'closed') continue;
      remaining++;
      if (c.state === 'idle') counts.idle++;
      else if (c.state === 'busy') counts.busy++;
      else counts.inProgress++;
    }
    return new Promise<PurgeReport>((resolve) => {
      const p: Pending = { generation: this.current, startedAt: now, counts, remaining, resolve };
      if (remaining === 0) this.finish(p, now);
      else this.pending.push(p);
    });
  }

  /** A connection closed (or failed to open): counts it off every purge it belonged to. */
  public closed(c: PurgeCandidate, now: number): void {
    for (const p of [...this.pending]) {
      if (c.generation >= p.generation) continue;
      if (--p.remaining === 0) {
        this.pending.splice(this.pending.indexOf(p), 1);
        this.finish(p, now);
      }
    }
  }

  /** Purges not finished yet. */
  public get inFlight(): number {
    return this.pending.length;
  }

  private finish(p: Pending, now: number): void {
    p.resolve({
      replaced: p.counts.idle + p.counts.busy + p.counts.inProgress,
      ...p.counts,
      durationMs: now - p.startedAt,
    });
  }
}
