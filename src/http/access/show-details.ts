import type { IncomingMessage } from 'node:http';
import type { AccessOutcome, EndpointAccess } from './endpoint-access.js';

/** Who sees the resources in `/health`, `/status` and the dashboard (`http.show_details`). */
export type ShowDetails = 'never' | 'when_authorized' | 'always';

/** The permission that shows details under `when_authorized`. */
export const STATUS_READ = { resource: 'status', action: 'read', scope: '*' } as const;

/**
 * Whether this request may see details: always, never, or when its credentials hold
 * `status:read:*`. `never` answers `forbidden` whatever the credentials.
 */
export async function detailsFor(
  req: IncomingMessage,
  showDetails: ShowDetails,
  access: EndpointAccess,
): Promise<AccessOutcome> {
  if (showDetails === 'always') return 'allowed';
  if (showDetails === 'never') return 'forbidden';
  return access.check(req, STATUS_READ);
}

/** What a caller without details sees of a health report or status snapshot: the overall status only. */
export function withoutDetails(view: unknown): { status: unknown } {
  const status =
    view && typeof view === 'object' && 'status' in view ? (view as { status: unknown }).status : 'unknown';
  return { status };
}
