import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the built CLI (`npm run build` first; `npm run test:all` does).
const BIN = resolve(import.meta.dirname, '../../dist/src/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'stator-e2e-check-'));
const PASSWORD = 'e2e-Pa55word-Zz';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function stator(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return name;
};

describe('stator check', () => {
  it('lists every problem by path and exits 1, without the password', async () => {
    const bad = file(
      'bad.yaml',
      [
        'cache:',
        '  driver: memcache',
        '  retry_attemps: 3',
        'database:',
        '  driver: postgresql',
        '  port: ${DB_PORT}',
        '  password: ${DB_PASSWORD}',
        '  timeout: ${DB_PASSWORD}',
        'filesystem:',
        '  permissions: rwx',
        '',
      ].join('\n'),
    );
    const run = await stator(['check', '--config', bad], { DB_PORT: 'abc', DB_PASSWORD: PASSWORD });
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      'configuration invalid (bad.yaml): 5 problems',
      '  cache.driver: expected one of memory, redis, memcached, got "memcache"; did you mean `memcached`?',
      '  cache.retry_attemps: unknown key; did you mean `retry_attempts`?',
      '  database.port: expected an integer from 1 to 65535, got "abc"',
      '  database.timeout: expected a duration in seconds, got "[REDACTED]"',
      '  filesystem.permissions: expected a file mode in octal such as 0755 (a number, or a string "0755"), got "rwx"',
      '',
    ]);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('summarizes a valid configuration and exits 0, without secrets', async () => {
    const good = file(
      'good.yaml',
      [
        'cache:',
        '  driver: redis',
        '  port: ${REDIS_PORT:-6379}',
        '  password: ${REDIS_PASSWORD}',
        'database:',
        '  driver: postgresql',
        '  host: db.internal',
        '  database: app',
        '  username: app',
        '  password: ${DB_PASSWORD}',
        'filesystem:',
        '  base_path: ./data',
        '  permissions: 0750',
        '',
      ].join('\n'),
    );
    const run = await stator(['check', '-c', good], { DB_PASSWORD: PASSWORD, REDIS_PASSWORD: `${PASSWORD}-redis` });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'configuration OK (good.yaml)',
      '  cache       redis: 127.0.0.1:6379 db 0',
      `  filesystem  local: ${join(dir, 'data')} (mode 0750; dirs: cache, logs, uploads)`,
      '  database    postgresql: db.internal:5432/app',
      '  start order: cache -> filesystem -> database',
      '',
    ]);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('checks the embedded default when no file is given', async () => {
    const run = await stator(['check']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('configuration OK (embedded default)');
    expect(run.stdout).toContain(`  database    sqlite: ${join(dir, 'var', 'stator.sqlite')}`);
  });

  it('names a missing file', async () => {
    const run = await stator(['check', '--config', 'missing.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      'configuration invalid (missing.yaml): 1 problem\n' +
        `  configuration file ${join(dir, 'missing.yaml')} not found; check the path, or give no file to run on the embedded default\n`,
    );
  });

  it('gives line and column of a YAML syntax error', async () => {
    const run = await stator(['check', '--config', file('syntax.yaml', 'cache:\n  driver: [redis\nx: 1\n')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '  line 3, column 1: YAML syntax error: Flow sequence in block collection must be sufficiently indented',
    );
  });

  it('prints JSON with --json', async () => {
    const run = await stator(['check', '--json', '--config', file('json.yaml', 'database:\n  port: 0\n')]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      origin: 'json.yaml',
      problems: [{ path: 'database.port', message: 'expected an integer from 1 to 65535, got 0' }],
    });
    const ok = await stator(['check', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, start_order: ['cache', 'filesystem', 'database'] });
  });

  it('reports a dependency cycle', async () => {
    const run = await stator(['check', '--config', file('cycle.yaml', 'cache:\n  depends_on: [database]\n')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^configuration invalid \(cycle\.yaml\): 1 problem\n {2}(cache|database)\.depends_on: Resource dependencies form a cycle: /,
    );
  });

  it('reports a dependency on a resource that does not exist', async () => {
    const run = await stator(['check', '--config', file('unknown-dep.yaml', 'cache:\n  depends_on: [search]\n')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^configuration invalid \(unknown-dep\.yaml\): 1 problem\n {2}cache\.depends_on: .*search/,
    );
  });

  it('has --help', async () => {
    const run = await stator(['check', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: stator check [options]');
    expect(run.stdout).toContain('-c, --config <file>');
    expect(run.stdout).toContain('Exit status: 0 when the configuration is valid, 1 when it has problems');
  });
});
