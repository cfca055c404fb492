import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from '../../support/wait-for-port.js';

/** A server process a fault test starts, stops, kills and freezes itself. */
export interface TestServer {
  readonly port: number;
  /** SIGKILL, and wait until the port is closed. */
  kill(): Promise<void>;
  /** SIGSTOP, and wait until the process is stopped: it keeps its sockets but answers nothing. */
  freeze(): Promise<void>;
  /** SIGCONT. */
  thaw(): void;
  /** Starts the process again on the same port (after `kill`). */
  restart(): Promise<void>;
  /** Kills the process if it runs, and removes its files. */
  dispose(): Promise<void>;
}

function managed(port: number, command: string, args: () => string[]): TestServer {
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn(command, args(), { stdio: 'ignore' });
    child = started;
    // Never leave a server behind, even when the test process ends abruptly.
    const reap = (): void => {
      started.kill('SIGKILL');
    };
    process.once('exit', reap);
    started.once('exit', () => {
      process.removeListener('exit', reap);
      if (child === started) child = undefined;
    });
    await waitForPort(port);
  };
  const server: TestServer = {
    port,
    async kill() {
      const c = child;
      if (!c) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await exited;
      await waitForPort(port, false);
    },
    async freeze() {
      const c = child;
      if (!c?.pid) return;
      c.kill('SIGSTOP');
      // The signal is delivered asynchronously: wait for the stopped state (T) in /proc.
      for (let i = 0; i < 200; i++) {
        const stat = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
        if (/^\d+ \(.*\) T /.test(stat)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`process ${c.pid} did not stop`);
    },
    thaw: () => child?.kill('SIGCONT'),
    restart: start,
    async dispose() {
      await server.kill();
    },
  };
  return server;
}

/** Starts `redis-server` on `port` (no persistence). */
export async function startRedis(port: number, extra: string[] = []): Promise<TestServer> {
  const server = managed(port, 'redis-server', () => [
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
  await server.restart();
  return server;
}

/** Starts `memcached` on `port`. */
export async function startMemcached(port: number): Promise<TestServer> {
  const server = managed(port, 'memcached', () => [
    '-p',
    String(port),
    '-l',
    '127.0.0.1',
    '-U',
    '0',
    '-m',
    '16',
    '-u',
    'root',
  ]);
  await server.restart();
  return server;
}

/**
 * Starts a Redis Cluster of `ports.length` nodes (cluster mode, configs in a temporary
 * directory) and creates it with `redis-cli --cluster create` (`replicas` per master).
 */
export async function startRedisCluster(
  ports: readonly number[],
  replicas: number,
): Promise<{ nodes: TestServer[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'stator-cluster-'));
  const nodes = await Promise.all(
    ports.map(async (port) => {
      const server = managed(port, 'redis-server', () => [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '1000',
        '--dir',
        dir,
      ]);
      await server.restart();
      return server;
    }),
  );
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]);
  await waitForClusterOk(ports);
  return { nodes, dir };
}

/** Resolves once every node in `ports` (that runs) reports `cluster_state:ok`. */
export async function waitForClusterOk(ports: readonly number[], tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const states = await Promise.all(
      ports.map((p) =>
        run('redis-cli', ['-p', String(p), 'cluster', 'info']).then(
          (out) => /cluster_state:ok/.test(out),
          () => false,
        ),
      ),
    );
    if (states.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the Redis Cluster did not reach cluster_state:ok');
}

/**
 * Starts a master on `ports[0]`, a replica of it on `ports[1]` and a Sentinel on `ports[2]`
 * watching it as `name` (quorum 1, down after 1 s), with the Sentinel's config in a temporary
 * directory (`redis-server <conf> --sentinel`).
 */
export async function startSentinelSetup(
  name: string,
  ports: readonly [number, number, number],
): Promise<{ master: TestServer; replica: TestServer; sentinel: TestServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'stator-sentinel-'));
  const [masterPort, replicaPort, sentinelPort] = ports;
  const master = await startRedis(masterPort);
  const replica = await startRedis(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 3000`,
      '',
    ].join('\n'),
  );
  const sentinel = managed(sentinelPort, 'redis-server', () => [conf, '--sentinel']);
  await sentinel.restart();
  return { master, replica, sentinel, dir };
}

/** Removes a cluster's files after its nodes were disposed. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs a command to completion; rejects with its output when it fails. */
export function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${out}`)),
    );
  });
}
