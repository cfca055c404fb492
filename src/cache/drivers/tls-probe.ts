import { connect, type ConnectionOptions } from 'node:tls';

/**
 * Opens one TLS connection to `host:port` with `options` and closes it: resolves with the
 * handshake's error, or undefined when the handshake succeeds (or nothing answers in `timeoutMs`).
 * Used only to explain a failed start when the client hid the cause: ioredis' Cluster asks for
 * its slots on a duplicate connection whose TLS error it swallows.
 */
export function probeTls(
  host: string,
  port: number,
  options: ConnectionOptions,
  timeoutMs: number,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, ...options });
    let settled = false;
    const done = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('secureConnect', () => done(undefined));
    // `on`, not `once`: after a refused handshake the server's alert can come as a second error
    // (see steady-connector.ts), which must not be left unhandled.
    socket.on('error', (error) => done(error));
  });
}
