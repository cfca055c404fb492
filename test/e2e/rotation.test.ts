import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventLog } from '../../src/events/event-log-reader.js';
import { listRotatedSet } from '../../src/logging/rotation/rotated-set.js';
import { createLogger } from '../../src/logging/logger.js';
import { createStator } from '../../src/runtime/create-stator.js';

// A real Stator records its event log with a small rotation size; the built CLI replays the set.
const BIN = resolve(import.meta.dirname, '../../dist/src/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'stator-e2e-rotation-'));
const log = join(dir, 'var/logs/events.jsonl');

function stator(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error' } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  const instance = createStator({
    config: {
      filesystem: { base_path: join(dir, 'var') },
      events: { path: 'logs/events.jsonl', rotation: { max_size: 500 } },
    },
    logger: createLogger({ silent: true }),
  });
  await instance.start();
  for (let i = 0; i < 20; i++) await instance.cache.set(`rotation:${i}`, i);
  await instance.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a rotated event log', () => {
  it('is read back in order as one recording, and `stator replay` replays the whole set', async () => {
    const { files, missing } = await listRotatedSet(log);
    expect(missing).toEqual([]);
    expect(files.length).toBeGreaterThan(3);
    const events = await readEventLog(log);
    const all = files.flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter(Boolean));
    expect(events.map((e) => e.seq)).toEqual(all.map((line) => (JSON.parse(line) as { seq: number }).seq));
    // Every seq once, in order: nothing lost or duplicated at a rotation.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

    const single = join(dir, 'single.jsonl');
    writeFileSync(single, `${all.join('\n')}\n`);
    const [rotated, whole] = await Promise.all([
      stator(['replay', '--no-color', log]),
      stator(['replay', '--no-color', single]),
    ]);
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('supervisor');
    expect(rotated.stdout).toBe(whole.stdout);
  });

  it('`stator replay` says which file is missing from the middle of the set', async () => {
    const { files } = await listRotatedSet(log);
    unlinkSync(files[1]!.path);
    const r = await stator(['replay', log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/events\.000002\.jsonl is missing from the rotated set/);
  });
});
