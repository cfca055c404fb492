import { StatorError } from './stator-error.js';

/**
 * A resource's `depends_on` names a resource that does not exist (a typo, or a resource that is
 * disabled). Thrown by `createStator` before anything starts.
 */
export class UnknownDependencyError extends StatorError {
  public readonly code = 'DEPENDENCY_UNKNOWN';
  public readonly isUnknownDependencyError = true;

  public constructor(
    /** The resource whose depends_on is wrong. */
    public readonly resource: string,
    /** The name it depends on that no resource has. */
    public readonly dependency: string,
    /** The resources that do exist. */
    public readonly known: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `${resource}.depends_on names "${dependency}", which is not a resource of this Stator ` +
        `(resources: ${known.join(', ') || 'none'}). Fix the name or remove it from depends_on.`,
      options,
    );
  }
}

/** True for an {@link UnknownDependencyError}, across package copies. */
export const isUnknownDependencyError = (e: unknown): e is UnknownDependencyError =>
  !!e && e instanceof Error && 'isUnknownDependencyError' in e;
