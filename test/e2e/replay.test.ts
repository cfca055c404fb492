import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventLog } from '../../src/events/event-log-reader.js';

// Runs the built CLI (`npm run build` first; `npm run test:all` does) on the recorded incident.
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/bin.js');
const FIXTURE = join(ROOT, 'test/fixtures/incident-redis-restart.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'stator-e2e-replay-'));

/** Where the recording first half-opened the cache breaker: the first divergence of both variants. */
const firstHalfOpen = parseEventLog(readFileSync(FIXTURE, 'utf8')).find(
  (e) => e.source === 'breaker.cache' && e.type.startsWith('xstate.after.resetTimeout'),
);

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function stator(args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error' } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('stator replay', () => {
  it('replays the recorded incident to the same states: per-machine timeline, exit 0', async () => {
    const run = await stator(['replay', FIXTURE, '--no-color']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^breaker\.cache$/m);
    expect(run.stdout).toMatch(/TRIP\s+→ open/);
    expect(run.stdout).toMatch(/^cache\/127\.0\.0\.1:6410$/m);
    expect(run.stdout).toMatch(/no divergence: \d+ events replayed to the recorded states\n$/);
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('reports the first divergence and exits 1 when a breaker input changes (--input)', async () => {
    const run = await stator(['replay', FIXTURE, '--no-color', '--input', '{"breaker.cache":{"resetTimeoutMs":2000}}']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `first divergence at #${firstHalfOpen?.seq} (breaker.cache, ${firstHalfOpen?.type}): recorded {"halfOpen":"probing"}, replay was still open`,
    );
    expect(run.stdout).toContain('✗');
  });

  it('reports the first divergence and exits 1 with a changed machine (--machines)', async () => {
    const machine = pathToFileURL(join(ROOT, 'dist/machines/circuit-breaker.machine.js')).href;
    const variant = join(dir, 'no-probe.mjs');
    writeFileSync(
      variant,
      [
        `import { circuitBreakerMachine } from ${JSON.stringify(machine)};`,
        '// A breaker that never probes: half-open lets trial calls through instead.',
        'export const machinesById = { circuitBreaker: circuitBreakerMachine.provide({ guards: { usesProbe: () => false } }) };',
      ].join('\n'),
    );
    const run = await stator(['replay', FIXTURE, '--no-color', '--machines', variant]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`first divergence at #${firstHalfOpen?.seq} (breaker.cache`);
    expect(run.stdout).toContain('replay reached {"halfOpen":"trial"}');
  });

  it('exits 2 with a message when --input is not JSON', async () => {
    const run = await stator(['replay', FIXTURE, '--input', 'resetTimeoutMs=2000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--input: not JSON');
  });
});
