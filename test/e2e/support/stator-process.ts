import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLI (`npm run build` first). */
export const BIN = resolve(import.meta.dirname, '../../../dist/src/cli/bin.js');

/** A child process whose output is collected as it comes. */
export interface ChildRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

/** Runs `node script ...args` in `cwd`. */
export function runNode(
  cwd: string,
  script: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): ChildRun {
  const child = spawn(process.execPath, [script, ...args], { cwd, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  const state: ChildRun = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((done) => child.on('exit', (code) => done(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (state.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (state.stderr += chunk.toString()));
  return state;
}

/** Resolves once `pattern` appears on stdout; rejects if the process exits first (the test's timeout bounds it). */
export async function waitForOutput(r: ChildRun, pattern: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const match = r.stdout.match(pattern);
    if (match) return match;
    if (r.child.exitCode !== null)
      throw new Error(`exited ${r.child.exitCode} before ${pattern}:\n${r.stdout}\n${r.stderr}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Polls `url` until it answers `status`; undefined if `giveUp()` turns true first. */
export async function untilStatus(
  url: string,
  status: number,
  giveUp: () => boolean = () => false,
): Promise<Response | undefined> {
  for (;;) {
    const r = await fetch(url).catch(() => undefined);
    if (r?.status === status) return r;
    await r?.arrayBuffer();
    if (giveUp()) return undefined;
    await new Promise((done) => setTimeout(done, 20));
  }
}
