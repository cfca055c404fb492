import type { Knex } from 'knex';
import type { DatabaseConnection } from './database-connection.js';

/**
 * How Stator begins a top-level transaction, passed to knex in the transaction config under
 * {@link BEGIN_PLAN}. knex's own BEGIN ignores isolation on SQLite and writes an invalid
 * `SET TRANSACTION ISOLATION LEVEL ... READ ONLY` on MySQL; this plan carries the right
 * statements (see `beginStatements`) and hands over the connection the transaction runs on.
 */
export interface BeginPlan {
  readonly statements: readonly string[];
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
 */
export function installBeginOverride(client: Knex.Client): void {
  const target = client as unknown as { transaction: TransactionFactory };
  const original = target.transaction;
  target.transaction = function (this: unknown, container, config, outerTx) {
    const trx = original.call(this, container, config, outerTx);
    const plan = config?.[BEGIN_PLAN] as BeginPlan | undefined;
    if (plan && !outerTx) {
      trx.begin = async (conn) => {
        plan.onConnection(conn);
        for (const sql of plan.statements) {
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
      };
    }
    return trx;
  };
}
