import { StatorError } from './stator-error.js';

/**
 * Another live process runs `stator start` on the same `filesystem.base_path` (it holds
 * `.stator.lock` there): two instances would share the SQLite file, the event log and the audit log.
 *
 * @example
 * ```ts
 * try { lockBasePath('./var'); }
 * catch (e) { if (isBasePathLockedError(e)) console.log(`held by PID ${e.pid}`); }
 * ```
 */
export class BasePathLockedError extends StatorError {
  public readonly code = 'BASE_PATH_LOCKED';
  public readonly isBasePathLockedError = true;

  public constructor(
    public readonly basePath: string,
    public readonly pid: number,
  ) {
    super(
      `another Stator (PID ${pid}) is running on ${basePath}; stop it first, or give this one its own filesystem.base_path ` +
        '(two instances would share the SQLite file, the event log and the audit log)',
    );
  }
}

/** True for a {@link BasePathLockedError}, across package copies. */
export const isBasePathLockedError = (e: unknown): e is BasePathLockedError =>
  !!e && e instanceof Error && 'isBasePathLockedError' in e;
