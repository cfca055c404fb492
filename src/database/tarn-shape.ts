import type { DatabaseConnection } from './database-connection.js';

/**
 * The pool shape knex accepts in its `connectionPool` option (tarn's): knex acquires and releases
 * every connection of `stator.db.knex` through it (see knex `lib/pool.js` `isTarnPool`).
 */
export interface TarnShape {
  acquire(): { promise: Promise<DatabaseConnection> };
  release(connection: DatabaseConnection): boolean;
  destroy(): Promise<void>;
  numFree(): number;
  numUsed(): number;
  numPendingAcquires(): number;
}
