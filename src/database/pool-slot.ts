import { DatabaseNotReadyError } from '../errors/database-not-ready-error.js';
import type { DatabaseConnection } from './database-connection.js';
import type { TarnShape } from './tarn-shape.js';

/** The pool that lent a connection, remembered on the connection so it goes back there. */
export const OWNER = Symbol('stator.pool');

type Owned = DatabaseConnection & { [OWNER]?: TarnShape };

/** Marks `connection` as lent by `pool` (done once, when the connection is created). */
export function markOwner(connection: DatabaseConnection, pool: TarnShape): void {
  (connection as Owned)[OWNER] = pool;
}

/**
 * The pool `stator.db.knex` is built on, for the knex instance's whole life: it forwards to the
 * pool of the current start of the database layer, so that a restart (a new pool) keeps the same
 * knex instance the service holds. Between starts, acquires fail at once with
 * {@link DatabaseNotReadyError}. A connection goes back to the pool that lent it, even after a
 * restart. `destroy()` is a no-op: knex must not close Stator's pool (`knex.destroy()` only drops
 * knex's reference to it; Stator closes the pool on `stop()`).
 */
export class PoolSlot implements TarnShape {
  private current: TarnShape | undefined;
  private state = 'not started';

  /** Puts `pool` in service (on start). */
  public attach(pool: TarnShape): void {
    this.current = pool;
  }

  /** Takes the pool out of service (on stop); later acquires fail with `state`. */
  public detach(state: string): void {
    this.current = undefined;
    this.state = state;
  }

  public get attached(): TarnShape | undefined {
    return this.current;
  }

  public acquire(): { promise: Promise<DatabaseConnection> } {
    const pool = this.current;
    if (pool) return pool.acquire();
    return { promise: Promise.reject(new DatabaseNotReadyError(this.state)) };
  }

  public release(connection: DatabaseConnection): boolean {
    const owner = (connection as Owned)[OWNER] ?? this.current;
    return owner ? owner.release(connection) : false;
  }

  public destroy(): Promise<void> {
    return Promise.resolve();
  }

  public numFree(): number {
    return this.current?.numFree() ?? 0;
  }

  public numUsed(): number {
    return this.current?.numUsed() ?? 0;
  }

  public numPendingAcquires(): number {
    return this.current?.numPendingAcquires() ?? 0;
  }
}
