import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema, type StatorConfigInput } from '../../../src/config/schema.js';
import { createFilesystemLayer } from '../../../src/filesystem/index.js';
import { TestClock, type Clock, systemClock } from '../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../src/kernel/context.js';
import { EventBus } from '../../../src/kernel/event-bus.js';
import { createLogger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { createResilience } from '../../../src/resilience/index.js';

// `stator.fs` goes through the `filesystem` pipeline: breaker, filesystem.timeout, retry of
// EAGAIN/EBUSY/EMFILE. Real files, a real FIFO, a real file-descriptor limit.
const roots: string[] = [];
const SIGNAL = new AbortController().signal;

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const newRoot = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'stator-fs-pipeline-'));
  roots.push(root);
  return root;
};

function fsContext(root: string, clock: Clock, extra: StatorConfigInput = {}): RuntimeContext {
  const secrets = new SecretRegistry();
  return {
    config: configSchema.parse({
      ...extra,
      cache: { driver: 'memory' },
      filesystem: { base_path: root, required_dirs: [], ...extra.filesystem },
    }),
    clock,
    logger: createLogger({ secrets, silent: true }),
    events: new EventBus(clock, secrets),
    metrics: new Registry(),
    secrets,
  };
}

describe('the filesystem pipeline in-process', () => {
  it('rejects an operation hung on a FIFO nobody writes at filesystem.timeout, once, counted by the breaker', async () => {
    const root = newRoot();
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const clock = new TestClock();
    const ctx = fsContext(root, clock, {
      filesystem: { timeout: 2 },
      error_handling: { circuit_breaker: { shared: false, consecutive_failures: 1, minimum_calls: 1 } },
    });
    const resilience = createResilience(ctx);
    const layer = createFilesystemLayer(ctx, { resilience });
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    let outcome: unknown;
    const read = layer.api.readFile('pipe', 'utf8').then(
      (v) => (outcome = { value: v }),
      (e: unknown) => (outcome = e),
    );
    try {
      await clock.advance(1999);
      expect(outcome).toBeUndefined();
      await clock.advance(1);
      await read;
      expect(outcome).toMatchObject({
        code: 'OPERATION_TIMEOUT',
        resource: 'filesystem',
        operation: 'readFile',
        timeoutMs: 2000,
        attempts: 1,
        message: expect.stringContaining('Raise filesystem.timeout'),
      });
      // The timeout counted: with consecutive_failures 1 the breaker is open, and the next call is refused at once.
      expect(resilience.breaker('filesystem')?.state).toBe('open');
      await expect(layer.api.readFile('anything')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    } finally {
      // A writer that opens and closes the FIFO ends the read that libuv still runs.
      closeSync(openSync(join(root, 'pipe'), 'w'));
      await resilience.stop();
    }
  });

  it("neither retries nor counts the caller's mistakes (ENOENT, EISDIR)", async () => {
    const root = newRoot();
    const ctx = fsContext(root, systemClock, {
      error_handling: {
        retry: { max_attempts: 3, delay: 0 },
        circuit_breaker: { shared: false, consecutive_failures: 2, minimum_calls: 1 },
      },
    });
    const resilience = createResilience(ctx);
    const layer = createFilesystemLayer(ctx, { resilience });
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    try {
      for (let i = 0; i < 5; i++) {
        await expect(layer.api.readFile('missing.txt')).rejects.toMatchObject({ code: 'ENOENT', attempts: 1 });
        await expect(layer.api.readFile('.')).rejects.toMatchObject({ code: 'EISDIR', attempts: 1 });
      }
      expect(resilience.breaker('filesystem')?.state).toBe('closed');
      await layer.api.writeFile('ok.txt', 'fine');
      expect(await layer.api.readFile('ok.txt', 'utf8')).toBe('fine');
    } finally {
      await resilience.stop();
    }
  });
});

describe('the filesystem pipeline under a real file-descriptor limit (child process on the built package)', () => {
  // The child runs with `prlimit --nofile=256`, opens /dev/null until EMFILE, and reports JSON.
  const dist = resolve(import.meta.dirname, '../../../dist/src/index.js');
  const runChild = (body: string): Record<string, unknown> => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` first`);
    const root = newRoot();
    const script = [
      "import { closeSync, openSync } from 'node:fs';",
      'const { createStator } = await import(process.argv[1]);',
      'const root = process.argv[2];',
      'const stator = createStator({',
      '  config: { cache: { driver: "memory" }, filesystem: { base_path: root, required_dirs: [] },',
      '    error_handling: { retry: { max_attempts: 3, delay: 0.01, jitter: "none" },',
      '      circuit_breaker: { shared: false, consecutive_failures: 3, minimum_calls: 10 } } },',
      '  layers: { database: false }, logger: { silent: true } });',
      'const held = [];',
      'const exhaust = () => { try { for (;;) held.push(openSync("/dev/null", "r")); } catch (e) { if (e.code !== "EMFILE") throw e; } };',
      'const release = () => { for (const fd of held.splice(0)) closeSync(fd); };',
      'const failure = (e) => ({ code: e.code, attempts: e.attempts, message: e.message });',
      'await stator.start();',
      "await stator.fs.writeFile('a.txt', 'hello');",
      body,
      'release();',
      'await stator.stop();',
    ].join('\n');
    const child = spawnSync(
      'prlimit',
      ['--nofile=256:256', process.execPath, '--input-type=module', '-e', script, dist, root],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    return JSON.parse(child.stdout) as Record<string, unknown>;
  };

  it('retries a read that failed with EMFILE, and it succeeds once descriptors are free again', () => {
    const result = runChild(
      [
        'const retries = [];',
        "stator.events$.subscribe((e) => { if (e.type === 'retry.attempt' && e.source === 'resilience.filesystem') { retries.push(e.data.kind); release(); } });",
        'exhaust();',
        "const text = await stator.fs.readFile('a.txt', 'utf8');",
        'console.log(JSON.stringify({ text, retries, breaker: stator.breaker("filesystem").state }));',
      ].join('\n'),
    );
    expect(result).toEqual({ text: 'hello', retries: ['resource-exhausted'], breaker: 'closed' });
  });

  it('opens the filesystem breaker after repeated EMFILE failures, then refuses with CIRCUIT_OPEN', () => {
    const result = runChild(
      [
        'exhaust();',
        "const first = await stator.fs.readFile('a.txt', 'utf8').then(() => 'read', failure);",
        "const second = await stator.fs.readFile('a.txt', 'utf8').then(() => 'read', failure);",
        'const breaker = stator.breaker("filesystem").state;',
        'release();',
        "const third = await stator.fs.readFile('a.txt', 'utf8').then(() => 'read', (e) => e.code);",
        'console.log(JSON.stringify({ first, second, breaker, third }));',
      ].join('\n'),
    );
    expect(result).toMatchObject({
      first: { code: 'EMFILE', attempts: 3, message: expect.stringContaining('too many open files') },
      second: { code: 'CIRCUIT_OPEN' },
      breaker: 'open',
      // Free descriptors do not close the breaker before its reset_timeout: still refused.
      third: 'CIRCUIT_OPEN',
    });
  });
});
