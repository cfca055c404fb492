import type { ErrorKind } from './error-kind.js';

/** memjs status texts (`MemJS SET: Value too large`), from the memcached binary protocol. */
const STATUS: Readonly<Record<string, ErrorKind>> = Object.freeze({
  'Key not found': 'cache-miss',
  'Key exists': 'constraint',
  'Value too large': 'invalid-input',
  'Invalid arguments': 'invalid-input',
  'Item not stored': 'constraint',
  'Incr/Decr on non-numeric value': 'invalid-input',
  'The vbucket belongs to another server': 'unavailable',
  'Authentication error': 'authentication',
  'Authentication continue': 'authentication',
  'Unknown command': 'syntax',
  'Out of memory': 'resource-exhausted',
  'Not supported': 'invalid-query',
  'Internal error': 'cache-failure',
  Busy: 'unavailable',
  'Temporary failure': 'unavailable',
});

const MEMJS_STATUS = /^MemJS [A-Z]+: (.+)$/;

/** The kind of a memjs error (by its message, the only thing memjs sets), or undefined. */
export function memcachedKind(message: string): ErrorKind | undefined {
  const status = MEMJS_STATUS.exec(message)?.[1];
  if (status !== undefined) return STATUS[status] ?? 'cache-failure';
  if (message === 'No servers available') return 'unavailable';
  // memjs, when the server refuses the SASL credentials (or wants some).
  if (message === 'Memcached server authentication failed!') return 'authentication';
  if (/^socket timed out (connecting to server|waiting on response)\.$/.test(message)) return 'timeout';
  return undefined;
}
