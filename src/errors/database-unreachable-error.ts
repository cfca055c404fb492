import { StatorError } from './stator-error.js';

/**
 * Stator could not open a connection to the configured database: the server is down, the host or
 * port is wrong, the credentials or the database name are refused, or it did not answer within
 * `database.timeout`. The message names the driver, host, port, database and user, never the
 * password; the driver's error is the `cause`. The supervisor retries per
 * `database.retry_attempts` / `database.retry_delay`.
 */
export class DatabaseUnreachableError extends StatorError {
  public readonly code = 'DATABASE_UNREACHABLE';
  public readonly isDatabaseUnreachableError = true;

  public constructor(
    /** Where Stator tried to connect, e.g. `postgresql database "app" at 127.0.0.1:5432 as user "app"`. */
    public readonly target: string,
    /** The driver's reason, secrets scrubbed: `connect ECONNREFUSED 127.0.0.1:5432`. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot connect to the ${target}: ${reason}. ` +
        'Check that the server is running and reachable, and that database.host, database.port, database.database, ' +
        'database.username and the password are right.',
      options,
    );
  }
}

/** True for a {@link DatabaseUnreachableError}, across package copies. */
export const isDatabaseUnreachableError = (e: unknown): e is DatabaseUnreachableError =>
  !!e && e instanceof Error && 'isDatabaseUnreachableError' in e;
