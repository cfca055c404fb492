import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/audit.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { AuditLog } from '../../../src/security/audit-log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stator-audit-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const program = new Command('stator').exitOverride();
  register(program);
  process.exitCode = undefined;
  await program.parseAsync(['node', 'stator', ...args]);
  const code = Number(process.exitCode ?? 0);
  vi.restoreAllMocks();
  return { out, err, code };
}

async function writeLog(base: string, n: number): Promise<string> {
  const file = join(base, 'logs', 'audit.jsonl');
  const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)) });
  for (let i = 1; i <= n; i++)
    await log.append({ who: `u${i}`, action: 'db:read', resource: 'db:orders', decision: 'allow', reason: 'granted' });
  return file;
}

describe('stator audit verify', () => {
  it('exits 0 on an intact log given with --file', async () => {
    const file = await writeLog(join(dir, 'ok'), 4);
    const r = await run('audit', 'verify', '--file', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/OK, 4 entries, chain head seq 4/);
  });

  it('exits 1 naming the edited entry', async () => {
    const file = await writeLog(join(dir, 'edited'), 6);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[2] = (lines[2] as string).replace('"who":"u3"', '"who":"u9"');
    await writeFile(file, lines.join('\n'));
    const r = await run('audit', 'verify', '--file', file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN at line 3 \(entry 3\): entry 3 was modified/);
  });

  it('exits 1 naming the deleted entry, and --json gives the details', async () => {
    const file = await writeLog(join(dir, 'deleted'), 6);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.splice(3, 1);
    await writeFile(file, lines.join('\n'));
    const r = await run('audit', 'verify', '--file', file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN at line 4 \(entry 5\): expected entry 4, found entry 5: entry 4 is missing/);
    const j = await run('audit', 'verify', '--file', file, '--json');
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, verified: 3, firstBad: { line: 4, seq: 5 } });
  });

  it('finds the log from a configuration file', async () => {
    const base = join(dir, 'configured');
    await writeLog(base, 2);
    const config = join(dir, 'stator.yaml');
    await writeFile(config, `filesystem:\n  base_path: ${base}\nsecurity:\n  audit:\n    file: logs/audit.jsonl\n`);
    const r = await run('audit', 'verify', '--config', config);
    expect(r.code).toBe(0);
    expect(r.out).toContain(join(base, 'logs', 'audit.jsonl'));
  });

  it('exits 2 when the file cannot be read', async () => {
    const r = await run('audit', 'verify', '--file', join(dir, 'missing.jsonl'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read the audit log/);
  });
});
