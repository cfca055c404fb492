import type { Knex } from 'knex';
import type { DatabaseConnection } from './database-connection.js';
import { deferBegin } from './deferred-begin.js';
import { useLightTransactor, type KnexTransactionInternals as LightInternals } from './light-transactor.js';
import type { Dialect } from './dialect.js';
import { SESSION_ISOLATION_CHANGE, type SessionBegin } from './isolation.js';

/**
 * How Stator begins a top-level transaction, passed to knex in the transaction config under
 * {@link BEGIN_PLAN}. knex's own BEGIN ignores isolation on SQLite and writes an invalid
 * `SET TRANSACTION ISOLATION LEVEL ... READ ONLY` on MySQL; this plan carries the right
 * statements (see `beginStatements`) and hands over the connection the transaction runs on.
 */
export interface BeginPlan {
  readonly statements: readonly string[];
  /**
   * MySQL/MariaDB at the configured level: used instead of {@link statements}, one statement
   * once the connection's session is at that level (see `sessionBegin`).
   */
  readonly session?: SessionBegin | undefined;
  /**
   * PostgreSQL (`transaction.defer_begin`): the one BEGIN statement is held on the connection and
   * sent with the transaction's first statement (see `deferred-begin.ts`); logged with 0 ms.
   */
  readonly deferred?: boolean;
  /** Receives the transaction's connection before the first statement. */
  onConnection(connection: DatabaseConnection): void;
  /** Receives each statement's duration (milliseconds) and error. */
  onStatement(sql: string, durationMs: number, error?: unknown): void;
}

/** Key of the {@link BeginPlan} in knex's transaction config. */
export const BEGIN_PLAN = 'statorBegin';

interface KnexTransactionInternals {
  begin(conn: DatabaseConnection): Promise<unknown>;
  query(conn: DatabaseConnection, sql: string): Promise<unknown>;
  isCompleted(): boolean;
}

type TransactionFactory = (
  container: unknown,
  config?: Record<string, unknown>,
  outerTx?: unknown,
) => KnexTransactionInternals;

/**
 * Makes `client` begin top-level transactions that carry a {@link BeginPlan} with the plan's
 * statements. Savepoints (nested transactions) and transactions without a plan are untouched.
 * The change is on this one client instance; knex's prototypes are not modified.
 *
 * MySQL/MariaDB: the isolation level a plan's `session` set is marked on the connection
 * (`__statorIsolation`); a statement of the application that may change it (see
 * `SESSION_ISOLATION_CHANGE`, watched on the client's `query` events) clears the mark, so the next
 * transaction on that connection sets the level again.
 *
 * @param onKnexTrx told once, at the first transaction, when knex's own `trx` is used because this
 * knex's `Transaction` is not the one the light `trx` was written for (see `light-transactor.ts`).
 */
export function installBeginOverride(client: Knex.Client, dialect?: Dialect, onKnexTrx?: () => void): void {
  const target = client as unknown as { transaction: TransactionFactory };
  const original = target.transaction;
  // Connections (by knex's uid) on which a statement may have changed the session's level.
  const changed = new Set<string>();
  let told = false;
  if (dialect === 'mysql') {
    client.on('query', (obj: { sql?: unknown; __knexUid?: string }) => {
      if (obj.__knexUid !== undefined && typeof obj.sql === 'string' && SESSION_ISOLATION_CHANGE.test(obj.sql)) {
        changed.add(obj.__knexUid);
      }
    });
  }
  const statementsOf = (plan: BeginPlan, conn: DatabaseConnection): readonly string[] => {
    const session = plan.session;
    if (!session) return plan.statements;
    if (changed.size !== 0 && conn.__knexUid !== undefined && changed.delete(conn.__knexUid)) {
      conn.__statorIsolation = undefined;
    }
    return conn.__statorIsolation === session.level ? session.set : session.setting;
  };
  target.transaction = function (this: unknown, container, config, outerTx) {
    const trx = original.call(this, container, config, outerTx);
    const plan = config?.[BEGIN_PLAN] as BeginPlan | undefined;
    if (plan && !outerTx) {
      if (!useLightTransactor(trx as unknown as LightInternals) && !told) {
        told = true;
        onKnexTrx?.();
      }
      trx.begin = async (conn) => {
        plan.onConnection(conn);
        const statements = statementsOf(plan, conn);
        const only = statements.length === 1 ? statements[0] : undefined;
        if (plan.deferred && only !== undefined) {
          deferBegin(conn, only);
          plan.onStatement(only, 0);
          return;
        }
        for (const sql of statements) {
          const started = performance.now();
          let failure: unknown;
          // knex's Transaction#query never rejects: a failure completes the transaction and
          // rejects its execution promise, which the runner awaits.
          await trx.query(conn, sql).catch((error: unknown) => (failure = error));
          const completed = trx.isCompleted();
          plan.onStatement(
            sql,
            performance.now() - started,
            failure ?? (completed ? new Error(`${sql} failed`) : undefined),
          );
          if (completed) return;
        }
        if (plan.session && statements === plan.session.setting) {
          // Its own SET SESSION was seen as a change too: the session is at the plan's level now.
          if (conn.__knexUid !== undefined) changed.delete(conn.__knexUid);
          conn.__statorIsolation = plan.session.level;
        }
      };
    }
    return trx;
  };
}
