import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built CLI (`npm run build` first) in a child process, in an empty directory, on the
 * embedded default.
 */
const BIN = resolve('dist/src/cli/bin.js');

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

function run(cwd: string, args: readonly string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LOG_LEVEL: 'warn' } });
  const state: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((done) => child.on('exit', (code) => done(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (state.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (state.stderr += chunk.toString()));
  return state;
}

/** Nothing went wrong on stderr (warnings from drivers may appear; errors may not). */
const noErrors = (stderr: string): void => {
  expect(stderr).not.toMatch(/"level":"error"|\berror\b|Error:/i);
};

/** Resolves once `pattern` appears on the run's stdout (the test's own timeout bounds it). */
async function waitFor(r: Run, pattern: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const match = r.stdout.match(pattern);
    if (match) return match;
    if (r.child.exitCode !== null)
      throw new Error(`exited ${r.child.exitCode} before ${pattern}:\n${r.stdout}\n${r.stderr}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('stator start (built CLI, embedded default)', () => {
  let cwd: string;
  const running: Run[] = [];

  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    cwd = mkdtempSync(join(tmpdir(), 'stator-e2e-start-'));
  });

  afterAll(() => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('start --once prints the status and exits 0 when up', async () => {
    const r = run(cwd, ['start', '--once']);
    running.push(r);
    const code = await r.exit;
    noErrors(r.stderr);
    expect(code).toBe(0);
    expect(r.stdout).toContain('stator: starting on the embedded default');
    expect(r.stdout).toContain('stator: up (running), 3 resources');
    expect(r.stdout).toMatch(/✓ cache\s+ready/);
    expect(r.stdout).toMatch(/✓ filesystem\s+ready/);
    expect(r.stdout).toMatch(/✓ database\s+ready/);
    expect(r.stdout).toMatch(/stator: stopped \(order: .*cache/);
    expect(existsSync(join(cwd, 'var', 'uploads'))).toBe(true);
    expect(existsSync(join(cwd, 'var', 'stator.sqlite'))).toBe(true);
  });

  it('start --once --json prints the snapshot as JSON', async () => {
    const r = run(cwd, ['start', '--once', '--json']);
    running.push(r);
    expect(await r.exit).toBe(0);
    const snapshot = JSON.parse(r.stdout) as { status: string; resources: Record<string, { state: string }> };
    expect(snapshot.status).toBe('up');
    expect(snapshot.resources.cache?.state).toBe('ready');
  });

  it('start, then SIGTERM: serves /health while running, drains, stops in reverse order and exits 0', async () => {
    // The embedded default as is: its shutdown.drain_delay (5 s) passes before the stop.
    const r = run(cwd, ['start', '--http-port', '0']);
    running.push(r);
    const [, url] = await waitFor(r, /serving (http:\/\/\S+?)\/health/);
    await waitFor(r, /stator: up; /);
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    expect(health.status).toBe('up');

    r.child.kill('SIGTERM');
    const code = await r.exit;
    noErrors(r.stderr);
    expect(code).toBe(0);
    // Graceful: readiness fails first, in-flight work drains (shutdown.drain_delay), then the stop.
    expect(r.stdout).toMatch(/stator: SIGTERM: not ready from now; draining in [\d.]+s/);
    const [, order] = r.stdout.match(/stator: stopped \(order: (.*)\)/) ?? [];
    const stopped = (order ?? '').split(', ');
    expect([...stopped].sort()).toEqual(['cache', 'database', 'filesystem']);
    // The database depends on the cache and the filesystem: it stops first.
    expect(stopped[0]).toBe('database');
    for (const name of stopped) expect(r.stdout).toMatch(new RegExp(`· ${name} stopped`));
  });

  it('start --once exits 1 naming the resource that could not start', async () => {
    // Port 9479 is in the runtime's reserved range and nothing listens there.
    writeFileSync(
      join(cwd, 'unreachable.yaml'),
      'cache:\n  driver: redis\n  port: 9479\n  retry_attempts: 1\n  retry_delay: 0.1\n  timeout: 1\n',
    );
    const r = run(cwd, ['start', '--once', '--config', 'unreachable.yaml']);
    running.push(r);
    expect(await r.exit).toBe(1);
    expect(r.stderr).toContain('Stator could not start cache');
    expect(r.stdout).toMatch(/stator: down \(failed\)/);
  });
});
