import type { ErrorKind } from './error-kind.js';

/**
 * `error.code` of Node's system errors (node:net, node:dns, node:fs) — also what ioredis,
 * pg, mysql2 and memjs surface when a socket fails.
 */
export const NODE_CODES: Readonly<Record<string, ErrorKind>> = Object.freeze({
  // net
  ECONNREFUSED: 'connection-refused',
  ECONNRESET: 'connection-lost',
  ECONNABORTED: 'connection-lost',
  EPIPE: 'connection-lost',
  ERR_SOCKET_CLOSED: 'connection-lost',
  ERR_STREAM_DESTROYED: 'connection-lost',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  EHOSTUNREACH: 'host-unreachable',
  EHOSTDOWN: 'host-unreachable',
  ENETUNREACH: 'host-unreachable',
  ENETDOWN: 'host-unreachable',
  EADDRNOTAVAIL: 'host-unreachable',
  ENOTFOUND: 'host-unreachable',
  EAI_AGAIN: 'host-unreachable',
  // fs
  ENOENT: 'not-found',
  ENOTDIR: 'not-found',
  EACCES: 'permission',
  EPERM: 'permission',
  EEXIST: 'constraint',
  EISDIR: 'invalid-input',
  ENOTEMPTY: 'constraint',
  EINVAL: 'invalid-input',
  ENAMETOOLONG: 'invalid-input',
  ENOSPC: 'no-space',
  EDQUOT: 'no-space',
  EROFS: 'read-only',
  EMFILE: 'resource-exhausted',
  ENFILE: 'resource-exhausted',
  ENOMEM: 'resource-exhausted',
  EBUSY: 'busy',
  EAGAIN: 'busy',
  EIO: 'io-error',
  ELOOP: 'invalid-input',
  EXDEV: 'invalid-input',
  // AbortController / timers
  ABORT_ERR: 'aborted',
});
