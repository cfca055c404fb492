import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerCommand, WorkerSetup } from './worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../../..');
const outDir = join(root, 'node_modules/.cache/stator-resilience-worker');

/**
 * Compiles the worker (and the Stator sources it imports) with tsc into
 * `node_modules/.cache/stator-resilience-worker`, so that child processes run plain Node on it
 * without touching the shared `dist/`. Type errors elsewhere in the tree do not stop the emit.
 */
export async function compileWorker(): Promise<string> {
  await new Promise<void>((done) => {
    execFile(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.worker.json')],
      { cwd: root },
      () => done(),
    );
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return join(outDir, 'test/integration/resilience/support/worker.js');
}

/** A worker process and a typed request/response channel to it. */
export interface Worker {
  readonly child: ChildProcess;
  /** True when the worker connected to the shared state in Redis. */
  readonly shared: boolean;
  request(command: WorkerCommand): Promise<Record<string, unknown>>;
  kill(): void;
}

/** Starts a worker and waits until it is ready. */
export async function startWorker(script: string, setup: WorkerSetup): Promise<Worker> {
  const child = fork(script, [JSON.stringify(setup)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reap = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  let next = 1;
  const ready = new Promise<boolean>((resolveReady, rejectReady) => {
    child.once('exit', (code) => rejectReady(new Error(`worker exited (${String(code)}) before it was ready`)));
    child.on('message', (raw) => {
      const m = raw as {
        ready?: boolean;
        shared?: boolean;
        id?: number;
        result?: Record<string, unknown>;
        error?: string;
      };
      if (m.ready) return resolveReady(m.shared === true);
      const waiter = m.id !== undefined ? pending.get(m.id) : undefined;
      if (!waiter) return;
      pending.delete(m.id!);
      if (m.error !== undefined) waiter.reject(new Error(m.error));
      else waiter.resolve(m.result ?? {});
    });
  });
  const shared = await ready;
  return {
    child,
    shared,
    request(command) {
      const id = next++;
      return new Promise((resolveRequest, rejectRequest) => {
        pending.set(id, { resolve: resolveRequest, reject: rejectRequest });
        child.send({ id, command });
      });
    },
    kill: reap,
  };
}
