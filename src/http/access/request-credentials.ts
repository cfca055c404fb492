import type { IncomingMessage } from 'node:http';

/** What a request presents: a bearer token or an API key. */
export type RequestCredentials =
  { readonly kind: 'token'; readonly value: string } | { readonly kind: 'apiKey'; readonly value: string };

/** Longer than any token or key Stator issues: refused before anything parses it. */
const MAX_CREDENTIAL = 4096;

/**
 * The credentials of a request: `Authorization: Bearer <token>`, `Authorization: ApiKey <key>` or
 * `X-API-Key: <key>`. Undefined when there are none (or they are absurdly long).
 */
export function credentialsOf(req: IncomingMessage): RequestCredentials | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.length <= MAX_CREDENTIAL) {
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (space > 0 && value) {
      if (scheme === 'bearer') return { kind: 'token', value };
      if (scheme === 'apikey') return { kind: 'apiKey', value };
    }
  }
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key && key.length <= MAX_CREDENTIAL) return { kind: 'apiKey', value: key };
  return undefined;
}
