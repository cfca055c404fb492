import { StatorError } from './stator-error.js';

/**
 * The database resource checks the resources it depends on (the cache and the filesystem paths,
 * per the seed's initialization sequence) before it reports ready, and one of those checks failed.
 * The dependency's error is the `cause`.
 */
export class DatabaseDependencyError extends StatorError {
  public readonly code = 'DATABASE_DEPENDENCY_DOWN';
  public readonly isDatabaseDependencyError = true;

  public constructor(
    /** The resource whose check failed: `cache`, `filesystem`, ... */
    public readonly dependency: string,
    /** What its check said. */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The database cannot report ready: its dependency "${dependency}" is not healthy (${reason}). ` +
        `Fix ${dependency} first (see stator.health().resources.${dependency}); the supervisor retries.`,
      options,
    );
  }
}

/** True for a {@link DatabaseDependencyError}, across package copies. */
export const isDatabaseDependencyError = (e: unknown): e is DatabaseDependencyError =>
  !!e && e instanceof Error && 'isDatabaseDependencyError' in e;
