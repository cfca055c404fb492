import { StatorError } from './stator-error.js';

/**
 * A query or transaction was asked of `stator.db` while the database layer had no pool: before
 * `stator.start()` resolved, after `stator.stop()`, or while the supervisor restarts the database
 * resource. Nothing was sent to the database.
 */
export class DatabaseNotReadyError extends StatorError {
  public readonly code = 'DATABASE_NOT_READY';
  public readonly isDatabaseNotReadyError = true;

  public constructor(
    /** `not started`, `stopped`, `restarting`. */
    public readonly state: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The database is ${state}; no connection can be lent. Wait for stator.start() to resolve ` +
        '(or for the database resource to be ready again in stator.health()) before querying.',
      options,
    );
  }
}

/** True for a {@link DatabaseNotReadyError}, across package copies. */
export const isDatabaseNotReadyError = (e: unknown): e is DatabaseNotReadyError =>
  !!e && e instanceof Error && 'isDatabaseNotReadyError' in e;
