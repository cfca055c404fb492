import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { waitForPort } from '../../../support/wait-for-port.js';

export { waitForPort };

/** A server process started by a test, always reaped. */
export interface ChildServer {
  readonly port: number;
  readonly child: ChildProcess;
  /** Stops it (SIGKILL unless told otherwise) and waits until the port is closed. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `command` and waits for `port` to accept connections. */
export async function startServer(
  port: number,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<ChildServer> {
  const child = spawn(command, args, { stdio: 'ignore', ...options });
  const reap = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', reap);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => process.removeListener('exit', reap));
  await waitForPort(port);
  return {
    port,
    child,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill(signal);
        await exited;
      }
      await waitForPort(port, false);
    },
  };
}

/** `redis-server` on `port`, no persistence. */
export function startRedis(port: number, extra: string[] = []): Promise<ChildServer> {
  return startServer(port, 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    ...extra,
  ]);
}

/** A TCP server on `port` that treats each connection with `onSocket`; closes with `close()`. */
export async function startTcp(
  port: number,
  onSocket: (socket: Socket) => void,
): Promise<{ close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Ports of the resilience area (CONTRIBUTING: 6380–6389). */
export const PORTS = {
  redisStopped: 6380,
  redisPassword: 6381,
  postgresPassword: 6382,
  refused: 6383,
  reset: 6384,
  silent: 6385,
  redisFrozen: 6386,
  redisShared: 6387,
  /** A Memcached client's server that never answers (not `silent`: two files run at once). */
  silentMemcached: 6388,
} as const;
