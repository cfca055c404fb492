import { Pool } from 'tarn';
import type { RuntimeContext } from '../runtime/context.js';
import type { Connector } from './connector.js';
import type { DatabaseConnection } from './database-connection.js';
import type { DatabasePool } from './database-pool.js';
import { markOwner } from './pool-slot.js';

/**
 * A tarn pool over the connector: the stand-in used until Stator's own pool (`src/pool/`) is
 * available, with the same settings (`connection_pool`) and the same broken-connection checks.
 */
export function createTarnPool(ctx: RuntimeContext, connector: Connector, max: number): DatabasePool {
  const section = ctx.config.connection_pool;
  const pool: Pool<DatabaseConnection> = new Pool<DatabaseConnection>({
    create: async () => {
      const connection = await connector.create();
      markOwner(connection, adapter);
      return connection;
    },
    destroy: (connection) => connector.destroy(connection),
    validate: (connection) => connector.isUsable(connection),
    min: Math.min(section.min_connections, max),
    max,
    acquireTimeoutMillis: section.acquire_timeout > 0 ? section.acquire_timeout * 1000 : 2 ** 31 - 1,
    createTimeoutMillis: ctx.config.database.timeout * 1000 || 30_000,
    idleTimeoutMillis: section.idle_timeout * 1000 || 2 ** 31 - 1,
    propagateCreateError: true,
  });
  const adapter: DatabasePool = {
    acquire: () => pool.acquire(),
    release: (connection) => pool.release(connection),
    destroy: async () => {
      await pool.destroy();
    },
    numFree: () => pool.numFree(),
    numUsed: () => pool.numUsed(),
    numPendingAcquires: () => pool.numPendingAcquires(),
    stats: () => ({ kind: 'tarn', max, idle: pool.numFree(), busy: pool.numUsed(), pending: pool.numPendingAcquires() }),
    close: async (signal) => {
      const done = pool.destroy();
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
        void done.then(() => resolve(), () => resolve());
      });
    },
  };
  return adapter;
}
