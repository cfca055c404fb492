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
    const done = (error: Error | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (error) => done(error));
  });
}
