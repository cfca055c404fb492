import type { OldestLease } from '../errors/pool-timeout-error.js';
import type { RuntimeContext } from '../kernel/context.js';
import { callerFrame, callerStack, captureAcquireSite, siteInContext, type AcquireSite } from './acquire-site.js';
import type { LentLease } from './lease.js';
import type { PooledConnection } from './pooled-connection.js';
import type { ResolvedPoolOptions } from './pool-options.js';
import { StackSampler } from './stack-sampler.js';

const NOT_RECORDED =
  'a place not recorded (its stack was not sampled; connection_pool.capture_stacks: always records every acquire)';

/**
 * Leak detection of a pool: where acquires come from (sampled stacks, all of them for a while
 * after a suspicion), the report of a lease held past `leak_threshold` and of its return, and the
 * oldest leases named in a {@link PoolTimeoutError}.
 */
export class LeakReports<C> {
  /** Leases reported as possible leaks so far. */
  public count = 0;
  private readonly stacks: StackSampler;
  private readonly source: string;

  public constructor(
    private readonly ctx: RuntimeContext,
    private readonly o: ResolvedPoolOptions<C>,
    private readonly connections: ReadonlySet<PooledConnection<C>>,
  ) {
    this.source = `pool.${o.name}`;
    this.stacks = new StackSampler(ctx.clock, o.captureStacks, o.stackSampleIntervalMs);
  }

  /** The acquiring site per {@link PoolOptions.captureStacks}: sampled by clock time by default. */
  public acquireSite(): AcquireSite | undefined {
    return siteInContext() ?? (this.stacks.wants() ? captureAcquireSite() : undefined);
  }

  /** After a leak report or a timeout, record every acquire's stack for a while. */
  public suspect(now: number): void {
    this.stacks.suspect(now);
  }

  /** Reports leases held past `leak_threshold`; returns when the next one falls due (or Infinity). */
  public check(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    if (this.o.leakThresholdMs <= 0) return next;
    for (const c of this.connections) {
      const lease = c.lease;
      if (!lease || c.leakReported) continue;
      const due = lease.acquiredAt + this.o.leakThresholdMs;
      if (due <= now) this.reportLeak(c, lease, now);
      else next = Math.min(next, due);
    }
    return next;
  }

  private reportLeak(c: PooledConnection<C>, lease: LentLease<C>, now: number): void {
    c.leakReported = true;
    this.count++;
    this.suspect(now);
    const heldMs = now - lease.acquiredAt;
    const site = callerFrame(lease.site);
    const stack = callerStack(lease.site);
    this.ctx.logger.warn(
      `pool ${this.o.name}: ${c.id} has been lent for ${(heldMs / 1000).toFixed(1)} s, longer than leak_threshold ` +
        `(${this.o.leakThresholdMs / 1000} s); possible leak, acquired at ${site ?? NOT_RECORDED}`,
      { pool: this.o.name, connection: c.id, heldMs, ...(stack ? { stack } : {}) },
    );
    this.ctx.events.emit(this.source, 'leak.suspected', {
      connection: c.id,
      heldMs,
      acquiredAt: lease.acquiredAt,
      ...(site ? { site } : {}),
      ...(stack ? { stack } : {}),
    });
    c.actor.send({ type: 'LEAK_SUSPECTED', heldMs });
  }

  /** A lease reported as a possible leak came back. */
  public reportReturn(c: PooledConnection<C>, lease: LentLease<C>, now: number): void {
    c.leakReported = false;
    const heldMs = now - lease.acquiredAt;
    const site = callerFrame(lease.site);
    this.ctx.logger.warn(
      `pool ${this.o.name}: ${c.id}, reported as a possible leak, came back after ${(heldMs / 1000).toFixed(1)} s` +
        (site ? ` (acquired at ${site})` : ''),
      { pool: this.o.name, connection: c.id, heldMs },
    );
    this.ctx.events.emit(this.source, 'leak.returned', { connection: c.id, heldMs, ...(site ? { site } : {}) });
    c.actor.send({ type: 'LEAK_RETURNED', heldMs });
  }

  /** The oldest lease, and the oldest one whose site was recorded (when that is another). */
  public oldestLeases(): { oldest?: OldestLease; oldestRecorded?: OldestLease } {
    let oldest: LentLease<C> | undefined;
    let recorded: LentLease<C> | undefined;
    for (const c of this.connections) {
      const lease = c.lease;
      if (!lease) continue;
      if (!oldest || lease.acquiredAt < oldest.acquiredAt) oldest = lease;
      if (lease.site && (!recorded || lease.acquiredAt < recorded.acquiredAt)) recorded = lease;
    }
    const now = this.ctx.clock.now();
    const view = (lease: LentLease<C>): OldestLease => {
      const site = callerFrame(lease.site);
      return {
        connection: lease.connectionId,
        since: lease.acquiredAt,
        heldMs: now - lease.acquiredAt,
        ...(site ? { site } : {}),
      };
    };
    return {
      ...(oldest ? { oldest: view(oldest) } : {}),
      ...(recorded && recorded !== oldest ? { oldestRecorded: view(recorded) } : {}),
    };
  }
}
