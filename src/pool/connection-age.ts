import type { PooledConnection } from './pooled-connection.js';
import type { ResolvedPoolOptions } from './pool-options.js';

/**
 * What time and use do to a pooled connection: whether it may be lent as it is, must be
 * validated first, or must be retired, and when housekeeping must next look at it. Pure
 * arithmetic on the connection's clock times and the pool's options.
 */
export class ConnectionAge<C> {
  public constructor(
    private readonly o: ResolvedPoolOptions<C>,
    /** Whether a purge replaces the connection (see `purge.ts`). */
    private readonly outdated: (c: PooledConnection<C>) => boolean = () => false,
  ) {}

  /** Lendable at once: usable and validated (or used) within `validation_interval`. */
  public isFresh(c: PooledConnection<C>, now: number): boolean {
    return this.unusableReason(c, now) === undefined && !this.needsValidation(c, now);
  }

  /** Why the connection must be retired (`error`, `broken`, `max_lifetime`, `purge`), if it must. */
  public unusableReason(c: PooledConnection<C>, now: number): string | undefined {
    if (c.broken !== undefined) return 'error';
    if (this.o.factory.isBroken?.(c.resource as C)) return 'broken';
    if (now >= c.expiresAt) return 'max_lifetime';
    if (this.outdated(c)) return 'purge';
    return undefined;
  }

  public needsValidation(c: PooledConnection<C>, now: number): boolean {
    return this.o.validationIntervalMs > 0 && now - c.lastGoodAt >= this.o.validationIntervalMs;
  }

  /** When housekeeping must next look at an idle connection. */
  public nextDeadline(c: PooledConnection<C>, withIdleTimeout: boolean): number {
    let at = c.expiresAt;
    if (withIdleTimeout && this.o.idleTimeoutMs > 0) at = Math.min(at, c.lastUsedAt + this.o.idleTimeoutMs);
    if (this.o.validationIntervalMs > 0) at = Math.min(at, c.lastGoodAt + this.o.validationIntervalMs);
    return at;
  }

  /** True when an idle connection has been unused for `idle_timeout`. */
  public idleTooLong(c: PooledConnection<C>, now: number): boolean {
    return this.o.idleTimeoutMs > 0 && now - c.lastUsedAt >= this.o.idleTimeoutMs;
  }

  /** max_lifetime drawn uniformly within ±lifetime_jitter, so connections do not all retire at once. */
  public expiry(now: number): number {
    if (this.o.maxLifetimeMs <= 0) return Number.POSITIVE_INFINITY;
    const spread = (this.o.random() * 2 - 1) * this.o.lifetimeJitter;
    return now + Math.max(1, Math.round(this.o.maxLifetimeMs * (1 + spread)));
  }
}
