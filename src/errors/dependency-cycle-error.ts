import { StatorError } from './stator-error.js';

/**
 * The resources' `depends_on` form a cycle, so no start order exists. Thrown by `createStator`
 * before anything starts.
 *
 * @example
 * ```ts
 * // cache: { depends_on: [database] } with the default database -> cache
 * createStator({ config }); // DependencyCycleError: database -> cache -> database
 * ```
 */
export class DependencyCycleError extends StatorError {
  public readonly code = 'DEPENDENCY_CYCLE';
  public readonly isDependencyCycleError = true;

  public constructor(
    /** The resources on the cycle, the first repeated at the end: `['database', 'cache', 'database']`. */
    public readonly cycle: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `Resource dependencies form a cycle: ${cycle.join(' -> ')}. ` +
        'Remove one of these depends_on entries (database depends on cache and filesystem unless database.depends_on says otherwise).',
      options,
    );
  }
}

/** True for a {@link DependencyCycleError}, across package copies. */
export const isDependencyCycleError = (e: unknown): e is DependencyCycleError =>
  !!e && e instanceof Error && 'isDependencyCycleError' in e;
