import { StatorError } from './stator-error.js';

/**
 * A guarded call was refused: the principal lacks the permission, a policy denied it, or the
 * audit log could not record the decision (Stator fails closed). The resource was not touched.
 *
 * @example
 * ```ts
 * try { await stator.as(token).db.knex('orders').insert(row); }
 * catch (e) { if (isAccessDeniedError(e)) console.log(e.permission); } // 'db:write:orders'
 * ```
 */
export class AccessDeniedError extends StatorError {
  public readonly code = 'ACCESS_DENIED';
  public readonly isAccessDeniedError = true;

  public constructor(
    /** Who asked (principal id, or `anonymous`). */
    public readonly principal: string,
    /** The permission that was needed, e.g. `db:write:orders`. */
    public readonly permission: string,
    /** Why it was refused: `no role grants it`, `denied by policy night-freeze`, ... */
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Access denied: ${principal} needs ${permission} (${reason}). ` +
        'Grant it through a role in security.roles, or review the policies that deny it.',
      options,
    );
  }
}

/** True for an {@link AccessDeniedError}, across package copies. */
export const isAccessDeniedError = (e: unknown): e is AccessDeniedError =>
  !!e && e instanceof Error && 'isAccessDeniedError' in e;
