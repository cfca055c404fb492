import type { Knex } from 'knex';
import type { StatorDb } from '../database/database-api.js';
import { ALL_SCOPES, type AccessRequest } from './access-request.js';
import type { AccessCheck } from './access-check.js';
import { guardKnexClient, type BuilderCheck } from './guard-knex-client.js';
import { queryAccess } from './query-access.js';

type DbRequest = Omit<AccessRequest, 'attributes'>;

/** Operator actions on the database (purge, the running list, the history). */
const ADMIN: DbRequest = { resource: 'db', action: 'admin', scope: ALL_SCOPES };

/** The requests a builder needs: one per table and action, plus `db:raw:*` when raw. */
export function dbRequests(builder: unknown): DbRequest[] {
  const access = queryAccess(builder);
  const requests: DbRequest[] = access.tables.map((t) => ({ resource: 'db', action: t.action, scope: t.table }));
  if (access.raw !== undefined) requests.push({ resource: 'db', action: 'raw', scope: ALL_SCOPES });
  return requests;
}

/**
 * `stator.as(...).db`: the same API as `stator.db`, with table-level permissions enforced on every
 * statement before it gets a connection (see `queryAccess` for what is covered):
 *
 * - `db.knex` is a knex instance on the same pool (knex's `withUserParams` clone) whose client
 *   checks each query, raw statement and schema change when it runs: awaited, `.stream()`,
 *   `.pipe()`, in `knex.transaction(...)`, in savepoints;
 * - `db.transaction(fn)` checks every statement `fn` runs through `trx`;
 * - `db.explain(query)` needs what running the query would need (an EXPLAIN shows table names
 *   and sizes), or `db:raw:*` for SQL text.
 *
 * - `db.begin()` checks every statement run through the handle's `knex`, until it ends;
 * - `db.purge()`, `db.transactions()`, `db.history()` and `db.clearHistory()` are operator
 *   actions: they need `db:admin:*`.
 *
 * Not covered: builders made with the unguarded `stator.db.knex` and run there, and raw SQL
 * (always `db:raw:*`: Stator does not parse SQL). The `query`, `query-response` and
 * `query-error` events of `stator.db.knex` see guarded queries as well.
 */
export function guardDb(db: () => StatorDb, check: AccessCheck): StatorDb {
  const builderCheck: BuilderCheck = async (builder) => {
    await check(dbRequests(builder));
  };
  let base: Knex | undefined;
  let guarded: Knex | undefined;
  const guardedKnex = (): Knex => {
    const current = db().knex;
    if (current !== base || !guarded) {
      base = current;
      guarded = current.withUserParams({ ...(current.userParams ?? {}) });
      guardKnexClient(guarded.client as Knex.Client, builderCheck);
    }
    return guarded;
  };
  return {
    get knex() {
      return guardedKnex();
    },
    get dialect() {
      return db().dialect;
    },
    transaction: (fn, options) =>
      db().transaction(async (trx, attempt) => {
        const unguard = guardKnexClient(trx.client as Knex.Client, builderCheck);
        try {
          return await fn(trx, attempt);
        } finally {
          unguard();
        }
      }, options),
    begin: async (options) => {
      const handle = await db().begin(options);
      const unguard = guardKnexClient(handle.knex.client as Knex.Client, builderCheck);
      // Unguard on whichever end comes (commit, rollback, timeout): the savepoint-free knex
      // transaction settles its execution promise then.
      void handle.knex.executionPromise.then(unguard, unguard);
      return handle;
    },
    transactions: async () => {
      await check([ADMIN]);
      return db().transactions();
    },
    history: async (options) => {
      await check([ADMIN]);
      return db().history(options);
    },
    clearHistory: async () => {
      await check([ADMIN]);
      return db().clearHistory();
    },
    purge: async () => {
      await check([ADMIN]);
      return db().purge();
    },
    explain: async (query) => {
      const isBuilder = typeof query === 'object' && query !== null && !('sql' in query && !('client' in query));
      await check(isBuilder ? dbRequests(query) : [{ resource: 'db', action: 'raw', scope: ALL_SCOPES }]);
      return db().explain(query);
    },
    // A function query runs on the guarded knex; a builder was made from it already.
    read: (key, query, options) => db().read(key, typeof query === 'function' ? () => query(guardedKnex()) : query, options),
  };
}
