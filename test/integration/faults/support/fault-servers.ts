import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { waitForPort } from '../../../support/wait-for-port.js';

/** A server process of the fault suite's own, on a reserved port (20100–20199), with its faults. */
export interface FaultServer {
  readonly kind: 'postgresql' | 'mariadb' | 'redis' | 'memcached';
  readonly port: number;
  /** SIGSTOP to every process of the server: it keeps its sockets and answers nothing. */
  freeze(): void;
  thaw(): void;
  /** The server closes every client connection itself (pg_terminate_backend, KILL, CLIENT KILL). */
  killConnections(): Promise<void>;
  /** A clean stop (fast shutdown), port closed. */
  stop(): Promise<void>;
  /** SIGKILL to every process of the server, port closed. */
  crash(): Promise<void>;
  /** Starts it again after `stop` or `crash`, on the same port and data. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
  if (!version) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return join(root, version, 'bin');
}

/** `pid` and every process below it (PostgreSQL's backends put themselves in groups of their own). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

const idOf = (user: string): { uid: number; gid: number } => ({
  uid: Number(execFileSync('id', ['-u', user]).toString()),
  gid: Number(execFileSync('id', ['-g', user]).toString()),
});

/**
 * A server process whose signals reach its every process (PostgreSQL's backends too), reaped
 * when the test process exits.
 */
class ProcessGroup {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  public constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly options: { uid?: number; gid?: number } = {},
  ) {}

  public spawn(): void {
    const child = spawn(this.command, this.args, { stdio: 'ignore', detached: true, ...this.options });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const reap = (): void => this.signal('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
  }

  public signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null || this.child.signalCode !== null) return;
    for (const p of processTree(pid)) {
      try {
        process.kill(p, signal);
      } catch {
        // already gone
      }
    }
  }

  public async end(signal: NodeJS.Signals): Promise<void> {
    this.signal('SIGCONT');
    this.signal(signal);
    await this.exited;
  }
}

/** PostgreSQL from `initdb` (trust) in a temporary directory, run as the `postgres` user. */
export async function startPostgres(port: number): Promise<FaultServer> {
  const bin = postgresBin();
  const user = idOf('postgres');
  const dir = mkdtempSync(join(tmpdir(), `stator-fault-pg-${port}-`));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-N'], { ...user, stdio: 'ignore' });
  const group = new ProcessGroup(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'shared_buffers=16MB',
      '-c',
      'max_connections=60',
    ],
    user,
  );
  const ready = async (): Promise<void> => {
    await waitForPort(port);
    // The port opens before recovery ends (57P03): wait until a query answers.
    for (let i = 0; i < 300; i++) {
      try {
        execFileSync(
          join(bin, 'psql'),
          ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-tAc', 'SELECT 1', 'postgres'],
          { stdio: 'ignore' },
        );
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`PostgreSQL on ${port} did not answer`);
  };
  const start = async (): Promise<void> => {
    group.spawn();
    await ready();
  };
  await start();
  return {
    kind: 'postgresql',
    port,
    freeze: () => group.signal('SIGSTOP'),
    thaw: () => group.signal('SIGCONT'),
    async killConnections() {
      const admin = knexFactory({
        client: 'pg',
        connection: { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' },
        pool: { min: 0, max: 1 },
      });
      try {
        await admin.raw(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stator' AND pid <> pg_backend_pid()`,
        );
      } finally {
        await admin.destroy();
      }
    },
    async stop() {
      await group.end('SIGINT'); // fast shutdown: sessions terminated, clean checkpoint
      // The checkpoint of a fast shutdown can take a while on a loaded 2-core machine.
      await waitForPort(port, false, 1200);
    },
    async crash() {
      await group.end('SIGKILL');
      await waitForPort(port, false);
    },
    start,
    async dispose() {
      await group.end('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** MariaDB from `mariadb-install-db` in a temporary directory (grant tables skipped: root, no password). */
export async function startMariadb(port: number): Promise<FaultServer> {
  const dir = mkdtempSync(join(tmpdir(), `stator-fault-maria-${port}-`));
  const data = join(dir, 'data');
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    {
      stdio: 'ignore',
    },
  );
  const group = new ProcessGroup('mariadbd', [
    '--no-defaults',
    `--datadir=${data}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'sock')}`,
    '--user=root',
    '--skip-grant-tables',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=16M',
    '--innodb-flush-log-at-trx-commit=2',
    '--max-connections=100',
    `--pid-file=${join(dir, 'pid')}`,
  ]);
  const start = async (): Promise<void> => {
    group.spawn();
    await waitForPort(port, true, 600);
  };
  await start();
  const admin = () =>
    knexFactory({ client: 'mysql2', connection: { host: '127.0.0.1', port, user: 'root' }, pool: { min: 0, max: 1 } });
  const setup = admin();
  try {
    await setup.raw('CREATE DATABASE IF NOT EXISTS faults');
  } finally {
    await setup.destroy();
  }
  return {
    kind: 'mariadb',
    port,
    freeze: () => group.signal('SIGSTOP'),
    thaw: () => group.signal('SIGCONT'),
    async killConnections() {
      const k = admin();
      try {
        const [rows] = (await k.raw(
          `SELECT id FROM information_schema.processlist WHERE db = 'faults' AND id <> CONNECTION_ID()`,
        )) as [Array<{ id: number }>];
        for (const { id } of rows) await k.raw(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
      } finally {
        await k.destroy();
      }
    },
    async stop() {
      await group.end('SIGTERM');
      await waitForPort(port, false);
    },
    async crash() {
      await group.end('SIGKILL');
      await waitForPort(port, false);
    },
    start,
    async dispose() {
      await group.end('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `redis-server` with no persistence. */
export async function startRedisServer(port: number): Promise<FaultServer> {
  const group = new ProcessGroup('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  const start = async (): Promise<void> => {
    group.spawn();
    await waitForPort(port);
  };
  await start();
  return {
    kind: 'redis',
    port,
    freeze: () => group.signal('SIGSTOP'),
    thaw: () => group.signal('SIGCONT'),
    async killConnections() {
      const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await admin.connect();
        await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      } finally {
        admin.disconnect();
      }
    },
    async stop() {
      await group.end('SIGTERM');
      await waitForPort(port, false);
    },
    async crash() {
      await group.end('SIGKILL');
      await waitForPort(port, false);
    },
    start,
    dispose: () => group.end('SIGKILL'),
  };
}

/** `memcached`; it has no command that closes clients: its "kill connections" resets them at the proxy. */
export async function startMemcachedServer(port: number, resetClients: () => void): Promise<FaultServer> {
  const group = new ProcessGroup('memcached', [
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
  const start = async (): Promise<void> => {
    group.spawn();
    await waitForPort(port);
  };
  await start();
  return {
    kind: 'memcached',
    port,
    freeze: () => group.signal('SIGSTOP'),
    thaw: () => group.signal('SIGCONT'),
    killConnections: () => Promise.resolve(resetClients()),
    async stop() {
      await group.end('SIGTERM');
      await waitForPort(port, false);
    },
    async crash() {
      await group.end('SIGKILL');
      await waitForPort(port, false);
    },
    start,
    dispose: () => group.end('SIGKILL'),
  };
}
