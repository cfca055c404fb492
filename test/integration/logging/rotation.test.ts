import { mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { listRotatedSet } from '../../../src/logging/rotation/rotated-set.js';
import { RotatingFile } from '../../../src/logging/rotation/rotating-file.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import { verifyAuditSet } from '../../../src/security/audit-set.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stator-rotation-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const linesOf = async (file: string): Promise<string[]> => {
  const { files } = await listRotatedSet(file);
  return files.flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter(Boolean));
};

const record = (i: number) => ({
  who: `u${i}`,
  action: 'db:read',
  resource: 'db:orders',
  decision: 'allow' as const,
  reason: 'granted',
});

describe('RotatingFile', () => {
  it('rotates by size under continuous writes: every line once, in order, none split', async () => {
    const file = path.join(tempDir(), 'logs', 'app.log');
    const out = new RotatingFile(file, { policy: { maxSize: 1000 } });
    // 2000 appends issued without waiting, from interleaved producers, as a busy service would.
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 2000; i++) writes.push(out.append(`line ${i} ${'x'.repeat(i % 40)}\n`));
    await Promise.all(writes);
    await out.close();
    const { files, missing } = await listRotatedSet(file);
    expect(missing).toEqual([]);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(readFileSync(f.path).length).toBeLessThanOrEqual(1000);
    const numbers = (await linesOf(file)).map((l) => Number(l.split(' ')[1]));
    expect(numbers).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('rotates by age on the injected clock, keeps `keep` old files, and goes on numbering after a restart', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    const clock = new TestClock(Date.UTC(2030, 0, 1));
    let out = new RotatingFile(file, { clock, policy: { maxAge: 60_000, keep: 2 } });
    for (let i = 0; i < 5; i++) {
      await out.append(`${i}\n`);
      await out.append(`${i}b\n`);
      await clock.advance(60_000);
    }
    await out.close();
    // 5 files were written; the active one holds the last, 2 rotated kept, the oldest 2 deleted.
    expect(readdirSync(dir).sort()).toEqual(['events.000003.jsonl', 'events.000004.jsonl', 'events.jsonl']);
    expect(await linesOf(file)).toEqual(['2', '2b', '3', '3b', '4', '4b']);
    out = new RotatingFile(file, { clock, policy: { maxAge: 60_000, keep: 2 } });
    await out.append('5\n');
    await out.close();
    expect(readdirSync(dir).sort()).toEqual(['events.000004.jsonl', 'events.000005.jsonl', 'events.jsonl']);
  });

  it('puts a write larger than max_size whole into a fresh file', async () => {
    const file = path.join(tempDir(), 'big.log');
    const out = new RotatingFile(file, { policy: { maxSize: 10 } });
    await out.append('ab\n');
    await out.append(`${'y'.repeat(50)}\n`);
    await out.append('cd\n');
    await out.close();
    expect(await linesOf(file)).toEqual(['ab', 'y'.repeat(50), 'cd']);
    expect((await listRotatedSet(file)).files).toHaveLength(3);
  });
});

describe('audit log rotation', () => {
  const writeRotated = async (file: string, n: number, keep?: number): Promise<void> => {
    const log = new AuditLog({
      file,
      clock: new TestClock(Date.UTC(2025, 0, 1)),
      rotation: { maxSize: 2000, ...(keep ? { keep } : {}) },
    });
    // Continuous writes: appends keep arriving while earlier batches are being written (group commit).
    const writes: Promise<unknown>[] = [];
    for (let i = 1; i <= n; i++) {
      writes.push(log.append(record(i)));
      // A producer that sometimes waits for its own acknowledgement, as a guarded call does.
      if (i % 5 === 0) await writes[i - 3];
    }
    await Promise.all(writes);
    await log.drain();
  };

  it('continues the chain across files; verify checks the whole set; a restarted writer goes on from the last file', async () => {
    const file = path.join(tempDir(), 'logs', 'audit.jsonl');
    await writeRotated(file, 300);
    const first = await verifyAuditSet(file);
    expect(first.ok).toBe(true);
    expect(first.verified).toBe(300);
    expect(first.files.length).toBeGreaterThan(3);
    const seqs = (await linesOf(file)).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));

    // A restart right after a rotation: the active file is new; the chain goes on from the newest rotated one.
    await writeRotated(file, 50);
    const second = await verifyAuditSet(file);
    expect(second).toMatchObject({ ok: true, verified: 350, head: { seq: 350 } });
  });

  it('with security.audit.key, the HMAC chain continues across files and verifies only with the key', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const key = 'rotation-test-key-0123456789';
    const log = new AuditLog({ file, key, clock: new TestClock(Date.UTC(2025, 0, 1)), rotation: { maxSize: 2000 } });
    // Batches of ten, each acknowledged before the next: the files rotate between them.
    for (let b = 0; b < 12; b++)
      await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(record(b * 10 + i + 1))));
    await log.drain();
    const withKey = await verifyAuditSet(file, { key });
    expect(withKey).toMatchObject({ ok: true, verified: 120, head: { seq: 120 } });
    expect(withKey.files.length).toBeGreaterThan(2);
    const noKey = await verifyAuditSet(file);
    expect(noKey.ok).toBe(false);
    // The first batch (entries 1 to 10, sealed together) is the first that fails without the key.
    expect(noKey.firstBad?.problem).toMatch(/the batch of entries 1 to 10 was modified/);
    const otherKey = await verifyAuditSet(file, { key: 'another-key-0123456789' });
    expect(otherKey.ok).toBe(false);
  });

  it('flushes and closes each rotated file in the background, and close() waits until they are', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)), rotation: { maxSize: 2000 } });
    for (let b = 0; b < 12; b++)
      await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(record(b * 10 + i + 1))));
    await log.close();
    // What this process still holds open in the log's directory (Linux: /proc/self/fd).
    const held = readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/self/fd/${fd}`)];
      } catch {
        return [];
      }
    });
    expect(held.filter((target) => target.startsWith(dir))).toEqual([]);
    const result = await verifyAuditSet(file);
    expect(result).toMatchObject({ ok: true, verified: 120 });
    expect(result.files.length).toBeGreaterThan(3);
  });

  it('reports a file deleted from the middle of the set', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeRotated(file, 200);
    const { files } = await listRotatedSet(file);
    unlinkSync(files[2]!.path);
    const result = await verifyAuditSet(file);
    expect(result.ok).toBe(false);
    expect(result.firstBad?.problem).toMatch(/audit\.000003\.jsonl is missing from the rotated set/);
  });

  it('reports files out of order (two rotated files swapped by name)', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeRotated(file, 200);
    const { files } = await listRotatedSet(file);
    const [a, b] = [files[1]!.path, files[2]!.path];
    renameSync(a, `${a}.tmp`);
    renameSync(b, a);
    renameSync(`${a}.tmp`, b);
    const result = await verifyAuditSet(file);
    expect(result.ok).toBe(false);
    expect(result.badFile).toBe(a);
    expect(result.firstBad?.problem).toMatch(
      /audit\.000002\.jsonl does not continue audit\.000001\.jsonl .*out of order/,
    );
  });

  it('with rotation.keep, checks the chain from the oldest file kept and says where it starts', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeRotated(file, 300, 2);
    const result = await verifyAuditSet(file);
    expect(result.ok).toBe(true);
    expect(result.files).toHaveLength(3);
    expect(result.head.seq).toBe(300);
    expect(result.startsAfter?.seq).toBeGreaterThan(0);
    expect(result.verified).toBe(300 - (result.startsAfter?.seq ?? 0));
  });
});

describe('the file log (createLogger({ file }))', () => {
  it('writes JSON lines through the rotating file, secrets scrubbed, every entry once', async () => {
    const file = path.join(tempDir(), 'logs', 'stator.log');
    const secrets = new SecretRegistry();
    secrets.add('s3cr3t-value');
    const { PassThrough } = await import('node:stream');
    const logger = createLogger({
      secrets,
      stream: new PassThrough(),
      format: 'pretty',
      file: { path: file, rotation: { maxSize: 800, keep: 100 } },
    });
    for (let i = 0; i < 60; i++) {
      logger.info('request %d done', i, { token: 's3cr3t-value' });
      if (i % 10 === 0) await new Promise((done) => setImmediate(done));
    }
    const closed = new Promise((done) => logger.on('finish', done));
    logger.end();
    await closed;
    // The last batch is written on the next turn of the event loop.
    // A rotation may rename a file between listing the set and reading it: read again then.
    while ((await linesOf(file).catch(() => [])).length < 60) await new Promise((done) => setTimeout(done, 10));
    const { files } = await listRotatedSet(file);
    expect(files.length).toBeGreaterThan(2);
    const entries = (await linesOf(file)).map(
      (l) => JSON.parse(l) as { level: string; message: string; token: string },
    );
    expect(entries.map((e) => e.message)).toEqual(Array.from({ length: 60 }, (_, i) => `request ${i} done`));
    expect(entries.every((e) => e.level === 'info' && e.token === '[REDACTED]')).toBe(true);
    expect(readFileSync(files[0]!.path, 'utf8')).not.toContain('s3cr3t-value');
  });
});
