import type { Observable } from 'rxjs';

/**
 * A resource the supervisor brings up, watches, restarts and stops: the cache, the filesystem
 * area, the database, or a resource of the embedding service's own.
 *
 * A layer does the I/O; the resource machine (`machines/resource.machine.ts`) decides when. The
 * supervisor retries {@link ResourceLayer.start} per the resource's `retry_attempts` /
 * `retry_delay`, calls {@link ResourceLayer.check} every health interval, and reacts to what the
 * layer reports on its own through {@link ResourceLayer.health$}.
 */
export interface ResourceLayer {
  /** Resource name as in config and status (`cache`, `filesystem`, `database`, ...). */
  readonly name: string;
  /** Opens connections, creates directories. Rejects when it cannot; must honour `signal`. */
  start(context: LayerStartContext): Promise<void>;
  /** A cheap health check (Redis `PING`, `SELECT 1`, a `stat`). Rejects when the resource is down. */
  check(signal: AbortSignal): Promise<LayerHealth>;
  /** Drains and closes. Called once after a successful or failed start; must honour `signal`. */
  stop(signal: AbortSignal): Promise<void>;
  /**
   * Health changes the layer learns by itself between checks (a Redis node went down, the pool
   * lost every connection), so the supervisor reacts at once.
   */
  readonly health$?: Observable<LayerHealth>;
  /** Extra detail for the status snapshot: pool stats, breaker state, nodes. Secrets excluded. */
  details?(): Readonly<Record<string, unknown>>;
}

/** What {@link ResourceLayer.start} receives. */
export interface LayerStartContext {
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The layers this one depends on, already started (by name). */
  readonly dependencies: ReadonlyMap<string, ResourceLayer>;
}

/** A layer's view of its own health. */
export type LayerHealth =
  | { readonly status: 'up' }
  | { readonly status: 'degraded'; readonly reason: string }
  | { readonly status: 'down'; readonly error: Error };
