import { createPool } from '../pool/create-pool.js';
import { toTarnPool } from '../pool/tarn-adapter.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { Connector } from './connector.js';
import type { DatabaseConnection } from './database-connection.js';
import type { DatabasePool } from './database-pool.js';
import { markOwner } from './pool-slot.js';

/**
 * Stator's own pool (`src/pool/`, one connection machine per connection) over the connector,
 * seen by knex through `toTarnPool`. Validation runs `SELECT 1` (a half-open TCP connection only
 * shows itself on a round trip); the cheap check on every borrow and release is knex's
 * `__knex__disposed` mark plus the dialect's `validateConnection`, and a connection knex marked
 * broken is retired on release. Acquiring stacks follow `connection_pool` (sampled by default);
 * transactions name their caller with `runWithAcquireSite` (see the transaction runner).
 */
export function createStatorPool(ctx: RuntimeContext, connector: Connector, max: number): DatabasePool {
  const pool = createPool<DatabaseConnection>(ctx, {
    name: 'database',
    max,
    factory: {
      create: async (signal) => {
        const connection = await connector.create(signal);
        markOwner(connection, adapter);
        return connection;
      },
      destroy: (connection) => connector.destroy(connection),
      validate: async (connection) => {
        if (!connector.isUsable(connection)) return false;
        await connector.ping(connection);
        return true;
      },
      isBroken: (connection) => !connector.isUsable(connection),
    },
  });
  const tarn = toTarnPool(pool);
  const adapter: DatabasePool = {
    acquire: () => tarn.acquire(),
    release: (connection) => tarn.release(connection),
    destroy: () => pool.close(),
    numFree: () => tarn.numFree(),
    numUsed: () => tarn.numUsed(),
    numPendingAcquires: () => tarn.numPendingAcquires(),
    stats: () => ({ ...pool.stats() }),
    health$: pool.health$,
    purge: () => pool.purge(),
    close: (signal) => pool.close({ signal }),
  };
  return adapter;
}
