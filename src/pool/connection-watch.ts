/** The part of Node's EventEmitter the pool uses. */
interface Emitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

const isEmitter = (value: unknown): value is Emitter =>
  typeof value === 'object' && value !== null && typeof (value as { on?: unknown }).on === 'function';

/**
 * Listens for a connection failing on its own — an `error` or an `end` it did not ask for, as a
 * pg `Client` or a mysql2 `Connection` emit when the server terminates them while idle. Without an
 * `error` listener such an event would end the process. Connections that are not EventEmitters
 * (better-sqlite3) are left alone. The listeners stay attached for the connection's life, so an
 * error emitted while it is being closed is still caught (and ignored by the pool).
 */
export function watchConnection(connection: unknown, onFailure: (error: unknown) => void): void {
  if (!isEmitter(connection)) return;
  connection.on('error', (error: unknown) => onFailure(error ?? new Error('connection error')));
  connection.on('end', () => onFailure(new Error('connection ended unexpectedly')));
}
