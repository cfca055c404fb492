interface PgConnection {
  query(sql: string): Promise<unknown>;
  /** Set by knex on a connection that runs a transaction. */
  __knexTxId?: string;
}

/** `"name"` with inner quotes doubled: a PostgreSQL identifier, whatever the name holds. */
const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Runs `fn` (one guarded statement) on a PostgreSQL connection under `role`, the way PostgREST
 * does: `SET LOCAL ROLE` lasts until the end of the transaction, so the role can never stay on a
 * pooled connection. Inside a transaction (knex's or `stator.db.transaction`) the role is set
 * before the statement and holds to the end of that transaction; outside one, the statement is
 * wrapped in `BEGIN` ... `COMMIT` (`ROLLBACK` when it fails).
 *
 * The database then refuses, with its own `permission denied`, anything the role lacks a GRANT
 * for, even when Stator's own check let the statement through.
 */
export async function runAsDatabaseRole(
  connection: unknown,
  role: string,
  fn: () => Promise<unknown>,
): Promise<unknown> {
  const c = connection as PgConnection;
  const setRole = `SET LOCAL ROLE ${quoteIdent(role)}`;
  if (c.__knexTxId !== undefined) {
    await c.query(setRole);
    return fn();
  }
  await c.query('BEGIN');
  try {
    await c.query(setRole);
    const result = await fn();
    await c.query('COMMIT');
    return result;
  } catch (error) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
