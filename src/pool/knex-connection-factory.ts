import type { ConnectionFactory } from './connection-factory.js';

/**
 * The raw-connection half of a knex client: what `client.acquireRawConnection()` and friends
 * offer. Typed structurally so that `src/pool` does not depend on knex's types.
 */
export interface KnexRawClient {
  acquireRawConnection(): Promise<unknown>;
  destroyRawConnection(connection: unknown): Promise<unknown> | unknown;
  validateConnection(connection: unknown): Promise<boolean> | boolean;
}

/** A knex raw connection: the driver's connection, possibly marked broken by knex. */
export type KnexRawConnection = object & { __knex__disposed?: unknown };

/**
 * A {@link ConnectionFactory} that opens connections exactly as knex would, so they carry knex's
 * own error handlers (which set `__knex__disposed`): create = `acquireRawConnection()`, destroy =
 * `destroyRawConnection()`, validate = `validateConnection()` (cheap: no round trip),
 * isBroken = `__knex__disposed`.
 *
 * Pass a client that has its connection settings: knex clears them on a client built with
 * `connectionPool`, so use a second client with the same `client` and `connection` and
 * `pool: { max: 0 }` (no pool of its own).
 *
 * @example
 * ```ts
 * const raw = knex({ client: 'pg', connection, pool: { max: 0 } }).client as KnexRawClient;
 * const pool = createPool(ctx, { name: 'database', factory: knexConnectionFactory(raw) });
 * ```
 */
export function knexConnectionFactory(client: KnexRawClient): ConnectionFactory<KnexRawConnection> {
  return {
    create: async () => (await client.acquireRawConnection()) as KnexRawConnection,
    destroy: async (connection) => {
      await client.destroyRawConnection(connection);
    },
    validate: (connection) => !connection.__knex__disposed && client.validateConnection(connection),
    isBroken: (connection) => Boolean(connection.__knex__disposed),
  };
}
