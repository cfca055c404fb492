/**
 * A raw driver connection as the pool holds it: a `pg.Client`, a mysql2 `Connection` or a
 * better-sqlite3 `Database`, carrying the markers knex and Stator put on it. Opaque otherwise.
 */
export interface DatabaseConnection {
  /** knex's id of the connection; query events carry it. Set by the connector. */
  __knexUid?: string;
  /** Set by knex's dialects (and by Stator) when the connection broke: the pool must retire it. */
  __knex__disposed?: unknown;
  /** Set by knex while a transaction holds the connection. */
  __knexTxId?: string;
  /**
   * MySQL/MariaDB: the isolation level Stator set as the session's (`SET SESSION TRANSACTION`),
   * so a transaction at that level begins in one statement. Cleared when a statement may have changed it.
   */
  __statorIsolation?: string | undefined;
}
