import type { Knex } from 'knex';
import { toSqlAndBindings } from '../database/explainer.js';
import type { StatorDb } from '../database/database-api.js';
import { AccessDeniedError } from '../errors/access-denied-error.js';
import { ALL_SCOPES, type AccessRequest } from './access-request.js';
import type { AccessCheck } from './access-check.js';
import { guardKnexClient, type BuilderCheck, type GuardedStatements } from './guard-knex-client.js';
import type { Principal } from './principal.js';
import { sqlAccess } from './sql-access.js';
import type { SqlNaming } from './sql-names.js';
import { runAsDatabaseRole } from './database-role.js';

type DbRequest = Omit<AccessRequest, 'attributes'>;

/** Operator actions on the database (purge, the running list, the history). */
const ADMIN: DbRequest = { resource: 'db', action: 'admin', scope: ALL_SCOPES };

/** `security.database_roles`: Stator roles mapped to PostgreSQL roles (`SET LOCAL ROLE`). */
export interface DatabaseRoles {
  /** Stator role → database role; the first of a principal's roles found here is taken. */
  readonly roles: Readonly<Record<string, string>>;
  /** The database role of a principal none of whose roles is mapped; without it, such a principal is refused. */
  readonly default?: string;
}

/** What the guarded database needs besides the database itself. */
export interface DbGuardSettings {
  /** PostgreSQL's default schema (`public`) or MySQL's current database (`database.database`). */
  readonly defaultSchema?: string;
  readonly databaseRoles?: DatabaseRoles;
}

/**
 * The requests a set of statements needs: one per table and action (`read`, `write`, `schema`),
 * plus `db:raw:*` when some statement cannot be read (see {@link sqlAccess}).
 */
export function dbRequests(statements: GuardedStatements, naming: SqlNaming): DbRequest[] {
  const actions = new Map<string, Set<string>>();
  let raw = statements.unreadable;
  for (const text of statements.texts) {
    const access = sqlAccess(text, naming);
    raw ??= access.raw;
    for (const t of access.tables) {
      const set = actions.get(t.table) ?? new Set<string>();
      set.add(t.action);
      actions.set(t.table, set);
    }
  }
  const requests: DbRequest[] = [];
  for (const [table, set] of actions) for (const action of set) requests.push({ resource: 'db', action, scope: table });
  if (raw !== undefined) requests.push({ resource: 'db', action: 'raw', scope: ALL_SCOPES });
  return requests;
}

/** The database role a principal runs as, or an error when roles are mapped and none applies. */
function databaseRoleOf(principal: Principal, roles: DatabaseRoles): string {
  for (const role of principal.roles) {
    const mapped = roles.roles[role];
    if (mapped !== undefined) return mapped;
  }
  if (roles.default !== undefined) return roles.default;
  throw new AccessDeniedError(
    principal.id,
    'db:role',
    'security.database_roles maps none of its roles and sets no default; map one of them or set a default',
  );
}

/**
 * How the guarded database checks statements: the naming their tables are canonicalised with
 * (the database's dialect, `defaultSchema`), and the check of a set of statements, which also
 * says the PostgreSQL role they run under when `databaseRoles` is set.
 */
function statementChecks(
  db: () => StatorDb,
  check: AccessCheck,
  settings: DbGuardSettings,
): { naming: () => SqlNaming; builderCheck: BuilderCheck } {
  const naming = (): SqlNaming => {
    const dialect = db().dialect;
    return settings.defaultSchema !== undefined ? { dialect, defaultSchema: settings.defaultSchema } : { dialect };
  };
  const roles = settings.databaseRoles;
  const builderCheck: BuilderCheck = async (statements) => {
    const principal = await check(dbRequests(statements, naming()));
    if (!roles || db().dialect !== 'postgresql') return {};
    return { dbRole: databaseRoleOf(principal, roles) };
  };
  return { naming, builderCheck };
}

/**
 * `stator.as(...).db`: the same API as `stator.db`, where every statement is checked on the SQL
 * that will run, when it runs:
 *
 * - `db.knex` is a knex instance on the same pool (knex's `withUserParams` clone, sealed by
 *   {@link guardKnexClient}) whose queries, raw statements and schema changes are compiled once,
 *   parsed ({@link sqlAccess}), checked table by table, and then sent exactly as checked:
 *   awaited, `.stream()`, `.pipe()`, in `knex.transaction(...)`, in savepoints;
 * - `db.transaction(fn)` checks every statement `fn` runs through `trx`;
 * - `db.explain(query)` needs what running the query would need;
 * - `db.begin()` checks every statement run through the handle's `knex`, until it ends;
 * - `db.read(key, fn)` runs `fn` on the guarded knex;
 * - `db.purge()`, `db.transactions()`, `db.history()` and `db.clearHistory()` are operator
 *   actions: they need `db:admin:*`.
 *
 * On PostgreSQL with `security.database_roles`, each statement also runs under the principal's
 * database role (`SET LOCAL ROLE` inside a transaction), so the database refuses what the role
 * may not do even if the check let it through.
 */
export function guardDb(db: () => StatorDb, check: AccessCheck, settings: DbGuardSettings = {}): StatorDb {
  const { naming, builderCheck } = statementChecks(db, check, settings);
  let base: Knex | undefined;
  let guarded: Knex | undefined;
  const guardedKnex = (): Knex => {
    const current = db().knex;
    if (current !== base || !guarded) {
      base = current;
      guarded = current.withUserParams({ ...(current.userParams ?? {}) });
      guardKnexClient(guarded.client as Knex.Client, builderCheck, runAsDatabaseRole);
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
        guardKnexClient(trx.client as Knex.Client, builderCheck, runAsDatabaseRole);
        return fn(trx, attempt);
      }, options),
    begin: async (options) => {
      const handle = await db().begin(options);
      // The handle's transaction client is its own: sealed like `transaction`'s, it checks every
      // statement run through `handle.knex` until the transaction ends.
      guardKnexClient(handle.knex.client as Knex.Client, builderCheck, runAsDatabaseRole);
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
      // Compiled once: the text checked is the text explained.
      const { sql, bindings } = toSqlAndBindings(query);
      const client = db().knex.client as unknown as { positionBindings(sql: string): string };
      await check(dbRequests({ texts: [client.positionBindings(sql)] }, naming()));
      return db().explain({ sql, bindings });
    },
    // A function query runs on the guarded knex; a builder was made from it already.
    read: (key, query, options) =>
      db().read(key, typeof query === 'function' ? () => query(guardedKnex()) : query, options),
  };
}
