import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/security/audit-log.js';
import { TestClock } from '../../src/kernel/clock.js';
import { BIN, runNode, waitForOutput, type ChildRun } from './support/stator-process.js';

// Each behaviour of the command line against the built CLI (`npm run build` first). Ports 20600–20699.
const dir = mkdtempSync(join(tmpdir(), 'stator-e2e-cli-'));
const running: ChildRun[] = [];
const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

function stator(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd = dir,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const start = (args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildRun => {
  const r = runNode(dir, BIN, ['start', ...args], env);
  running.push(r);
  return r;
};

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
});
afterAll(() => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('stator (built CLI)', () => {
  it('--version prints the package version', async () => {
    const r = await stator(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('check reports every problem in one pass, with the right hints and what start would fail on', async () => {
    const many = file(
      'many.yaml',
      [
        'filesystem:',
        '  permissions: 999',
        '  required_dirs: [../up]',
        'cache:',
        '  ttl: 30',
        '  url: redis://x',
        '',
      ].join('\n'),
    );
    const r = await stator(['check', '-c', many]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('filesystem.permissions: expected a file mode in octal');
    expect(r.stdout).toContain(
      'filesystem.required_dirs[0]: expected a directory relative to filesystem.base_path that stays inside it, got "../up"',
    );
    expect(r.stdout).toContain('cache.ttl: unknown key; did you mean `default_ttl`?');
    expect(r.stdout).not.toMatch(/webhooks/);
    expect(r.stdout).not.toMatch(/security\.jwt\.ttl/);

    const nouser = file(
      'nouser.yaml',
      ['database:', '  driver: postgresql', '  host: 127.0.0.1', '  database: app', ''].join('\n'),
    );
    const n = await stator(['check', '-c', nouser]);
    expect(n.code).toBe(1);
    expect(n.stdout).toMatch(/database\.username: required with database\.driver postgresql/);
  });

  it('visualize writes under the current directory by default', async () => {
    const cwd = mkdtempSync(join(dir, 'app-'));
    const r = await stator(['visualize'], {}, cwd);
    expect(r.code).toBe(0);
    expect(existsSync(join(cwd, 'visualizations', 'supervisor.mmd'))).toBe(true);
    expect(r.stdout).toMatch(/^wrote visualizations\/supervisor\.mmd$/m);
  });

  it('audit verify --config needs only the log: no JWT_SECRET or DB_PASSWORD in the environment', async () => {
    const base = join(dir, 'audited');
    const log = new AuditLog({ file: join(base, 'logs/audit.jsonl'), clock: new TestClock(Date.UTC(2025, 0, 1)) });
    for (let i = 0; i < 3; i++)
      await log.append({ who: 'u', action: 'db:read', resource: 'db:t', decision: 'allow', reason: 'granted' });
    const config = file(
      'audited.yaml',
      [
        `filesystem: { base_path: ${base} }`,
        'database: { driver: postgresql, username: app, password: "${DB_PASSWORD}" }',
        'security:',
        '  jwt: { secret: "${JWT_SECRET}" }',
        '',
      ].join('\n'),
    );
    const r = await stator(['audit', 'verify', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OK, 3 entries/);
  });

  it('start --json streams status changes as JSON lines on stdout; messages on stderr', async () => {
    const r = start([
      '--json',
      '--no-http',
      '-c',
      file('json.yaml', `filesystem: { base_path: ${join(dir, 'json-var')} }\n`),
    ]);
    for (;;) {
      if (r.stdout.split('\n').some((l) => l.includes('"status":"up"'))) break;
      if (r.child.exitCode !== null) throw new Error(r.stderr);
      await new Promise((done) => setTimeout(done, 50));
    }
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const objects = lines.map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          status?: string;
          resources?: Record<string, { state: string }>;
          order?: string[];
        },
    );
    expect(objects.length).toBeGreaterThan(2);
    expect(
      objects
        .filter((o) => o.type === 'status')
        .some((o) => o.status === 'up' && o.resources?.database?.state === 'ready'),
    ).toBe(true);
    expect(objects.at(-1)).toMatchObject({ type: 'stopped', ok: true });
    expect(r.stderr).toContain('stator: starting on the configuration');
    expect(r.stderr).toMatch(/stator: stopped \(order: /);
  });

  it('a busy http.port fails start, said once; http.required: false starts without the endpoints', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(20610, '127.0.0.1', done));
    try {
      const config = file('busy.yaml', `filesystem: { base_path: ${join(dir, 'busy-var')} }\nhttp: { port: 20610 }\n`);
      const r = await stator(['start', '-c', config]);
      expect(r.code).toBe(1);
      expect(r.stderr.match(/cannot serve the endpoints on 127\.0\.0\.1:20610 \(the port is in use\)/g)).toHaveLength(
        1,
      );
      expect(r.stderr).toContain('http.required: false');
      expect(r.stdout).not.toMatch(/✓ database\s+ready/);

      const optional = file(
        'optional.yaml',
        `filesystem: { base_path: ${join(dir, 'optional-var')} }\nhttp: { port: 20610, required: false }\n`,
      );
      const o = start(['-c', optional]);
      await waitForOutput(o, /stator: up; /);
      expect(o.stderr).toMatch(/going on without them \(http\.required: false\)/);
      o.child.kill('SIGTERM');
      expect(await o.exit).toBe(0);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it("a second instance on the same base_path is refused, naming the first one's PID", async () => {
    const config = file('locked.yaml', `filesystem: { base_path: ${join(dir, 'locked-var')} }\n`);
    const first = start(['-c', config, '--no-http']);
    await waitForOutput(first, /stator: up; /);
    const second = await stator(['start', '--once', '-c', config]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another Stator (PID ${first.child.pid}) is running on ${join(dir, 'locked-var')}`);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    // Released on exit: the next one starts.
    const third = await stator(['start', '--once', '-c', config]);
    expect(third.code).toBe(0);
  });

  it('a failure is said once: the startup error once on stderr, no duplicate log lines', async () => {
    const config = file(
      'down.yaml',
      [
        `filesystem: { base_path: ${join(dir, 'down-var')} }`,
        'cache: { driver: redis, host: 127.0.0.1, port: 20611, retry_attempts: 1, retry_delay: 0.05, timeout: 0.5 }',
        '',
      ].join('\n'),
    );
    const r = await stator(['start', '--once', '-c', config]);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/Stator could not start cache/g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/"level"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a second Ctrl-C stops at once, without waiting for the drain', async () => {
    const config = file(
      'drain.yaml',
      `filesystem: { base_path: ${join(dir, 'drain-var')} }\nshutdown: { drain_delay: 600 }\n`,
    );
    const r = start(['-c', config, '--no-http']);
    await waitForOutput(r, /stator: up; /);
    r.child.kill('SIGINT');
    await waitForOutput(r, /draining in 600s/);
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(1);
    expect(r.stderr).toContain('stator: SIGINT again, exiting without waiting');
  });

  it('the embedded default is quiet at info when nothing happens', async () => {
    const cwd = mkdtempSync(join(dir, 'quiet-'));
    const r = await stator(['start', '--once'], { LOG_LEVEL: 'info' }, cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
