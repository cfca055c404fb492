import { classifyError } from '../resilience/detector/classify-error.js';

const MAX_DEPTH = 8;

/**
 * True when a resource's start failed because its server refused the credentials (PostgreSQL
 * `28P01`, MariaDB `1045`, Redis `WRONGPASS` / `NOAUTH`, Memcached SASL): the error itself or
 * anything in its `cause` chain classifies as `authentication`. Such a failure is not transient:
 * starting again with the same credentials gives the same answer.
 */
export function isAuthenticationFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === 'object' && current !== null; depth++) {
    if (classifyError(current).kind === 'authentication') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The error a start that failed on refused credentials rejects with: the message begins with
 * `authentication failed:` and says it is not retried; `code` (`CACHE_UNREACHABLE`,
 * `DATABASE_UNREACHABLE`) and `cause` are kept. Any other error is returned as it is.
 */
export function nameAuthenticationFailure(error: unknown, resource: string): unknown {
  if (!(error instanceof Error) || !isAuthenticationFailure(error)) return error;
  if (error.message.startsWith('authentication failed:')) return error;
  const named = new Error(
    `authentication failed: ${error.message.replace(/ ?Stator keeps trying\.?$/, '')} ` +
      `Not retried: fix the credentials of ${resource}, then start again.`,
    { cause: error },
  );
  const code = (error as { code?: unknown }).code;
  return Object.assign(named, { name: error.name, authentication: true, ...(code !== undefined ? { code } : {}) });
}
