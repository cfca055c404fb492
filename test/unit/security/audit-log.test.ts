import { mkdtemp, mkdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuditWriteFailedError } from '../../../src/errors/audit-write-failed-error.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { GENESIS_HASH, type AuditRecord } from '../../../src/security/audit-entry.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import { readAuditEntries } from '../../../src/security/read-audit-entries.js';
import { verifyAuditLog } from '../../../src/security/verify-audit-log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stator-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (i: number): AuditRecord => ({
  who: `user${i}`,
  action: 'db:write',
  resource: `db:orders`,
  decision: i % 3 === 0 ? 'deny' : 'allow',
  reason: i % 3 === 0 ? 'no role or policy grants it' : 'granted by role editor (db:write:orders)',
});

/** A log of `n` entries: appended concurrently (one sealed batch), or one after the other (a batch each). */
async function writeLog(name: string, n: number, sequential = false): Promise<string> {
  const file = join(dir, name, 'logs', 'audit.jsonl');
  const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)) });
  await log.open();
  if (sequential) for (let i = 0; i < n; i++) await log.append(record(i + 1));
  else await Promise.all(Array.from({ length: n }, (_, i) => log.append(record(i + 1))));
  return file;
}

const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').filter(Boolean);

describe('audit log', () => {
  it('writes a hash chain that verifies, in seq order, even for concurrent appends', async () => {
    const file = await writeLog('ok', 25);
    const entries = (await lines(file)).map((l) => JSON.parse(l) as { seq: number; prevHash?: string; hash?: string });
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    // One batch (format 4, no two records alike): its last line carries the seal, chained to genesis; the others neither.
    expect(entries.slice(0, 24).every((e) => e.prevHash === undefined && e.hash === undefined)).toBe(true);
    expect(entries[24]?.prevHash).toBe(GENESIS_HASH);
    const keys = ['seq', 'time', 'who', 'action', 'resource', 'decision', 'reason'];
    expect(Object.keys(entries[0] ?? {})).toEqual(keys);
    expect(Object.keys(entries[24] ?? {})).toEqual([...keys, 'prevHash', 'hash']);
    const result = await verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, verified: 25, head: { seq: 25, hash: entries[24]?.hash } });
  });

  it('never strands an append made while a flush is finishing (appends after 0..12 microtask hops)', async () => {
    const file = join(dir, 'race', 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock() });
    let written = 0;
    const all = (async () => {
      for (let i = 0; i < 300; i++) {
        await log.append(record(i + 1));
        written++;
        for (let hop = 0; hop < i % 13; hop++) await Promise.resolve();
      }
    })();
    // A stranded append leaves nothing pending: the loop above would never finish. Detect that
    // without a time limit by waiting for the event loop to go idle instead.
    const idle = new Promise<'stranded'>((resolve) => {
      const check = (): void => {
        if (written >= 300) return;
        setImmediate(() => (log['flushing'] === undefined && log['queue'].length > 0 ? resolve('stranded') : check()));
      };
      check();
    });
    expect(await Promise.race([all.then(() => 'done' as const), idle])).toBe('done');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 300 });
  });

  it('one write for the appends of a turn, however many promise steps each took (0..12)', async () => {
    const file = join(dir, 'turn', 'audit.jsonl');
    const batches: number[] = [];
    const log = new AuditLog({ file, clock: new TestClock(), onWritten: (count) => batches.push(count) });
    await log.open();
    const late = async (hops: number, i: number): Promise<void> => {
      for (let hop = 0; hop < hops; hop++) await Promise.resolve();
      await log.append(record(i));
    };
    await Promise.all(Array.from({ length: 26 }, (_, i) => late(i % 13, i + 1)));
    expect(batches).toEqual([26]);
    // A later turn (a timer) is a batch of its own.
    await new Promise((resolve) => setTimeout(resolve, 1));
    await Promise.all([late(0, 27), late(5, 28)]);
    expect(batches).toEqual([26, 2]);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 28 });
  });

  it('continues the chain after a restart', async () => {
    const file = await writeLog('restart', 3);
    const again = new AuditLog({ file, clock: new TestClock() });
    await again.open();
    const entry = await again.append(record(4));
    expect(entry.seq).toBe(4);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 4 });
  });

  it('continues a log written in format 2 (every line of a batch sealed) in format 3, and it verifies', async () => {
    const { auditFieldArray, sealAuditBatch } = await import('../../../src/security/audit-entry.js');
    const file = join(dir, 'format2', 'logs', 'audit.jsonl');
    await mkdir(join(dir, 'format2', 'logs'), { recursive: true });
    const time = '2025-01-01T00:00:00.000Z';
    const bodies = [1, 2, 3].map((seq) => ({ seq, time, ...record(seq) }));
    const hash = sealAuditBatch(GENESIS_HASH, bodies.map(auditFieldArray));
    await writeFile(file, bodies.map((b) => `${JSON.stringify({ ...b, prevHash: GENESIS_HASH, hash })}\n`).join(''));
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 3 });
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 2)) });
    await log.open();
    const [, last] = await Promise.all([log.append(record(4)), log.append(record(5))]);
    expect(last?.prevHash).toBe(hash);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 5, head: { seq: 5, hash: last?.hash } });
    const all = await lines(file);
    all[1] = (all[1] as string).replace('"who":"user2"', '"who":"user9"');
    await writeFile(file, `${all.join('\n')}\n`);
    expect((await verifyAuditLog(file)).firstBad?.problem).toMatch(/the batch of entries 1 to 3 was modified/);
  });

  it('batches chain: a batch carries the previous batch seal as prevHash', async () => {
    const file = await writeLog('chained', 3);
    const log = new AuditLog({ file, clock: new TestClock() });
    await Promise.all([log.append(record(4)), log.append(record(5))]);
    const entries = (await lines(file)).map((l) => JSON.parse(l) as { prevHash?: string; hash?: string });
    expect(entries[4]?.prevHash).toBe(entries[2]?.hash);
    expect(entries[3]).not.toHaveProperty('hash');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 5 });
  });

  it('an edited line breaks the seal of its batch, named at the batch first line', async () => {
    const file = await writeLog('edited-batch', 10);
    const all = await lines(file);
    all[6] = (all[6] as string).replace('"who":"user7"', '"who":"user8"');
    await writeFile(file, all.join('\n') + '\n');
    const result = await verifyAuditLog(file);
    expect(result.firstBad).toMatchObject({ line: 1, seq: 1 });
    expect(result.firstBad?.problem).toMatch(/the batch of entries 1 to 10 was modified/);
    expect(result.verified).toBe(0);
  });

  it('lines removed from the end of the last batch break its seal (even without the anchor)', async () => {
    const file = await writeLog('cut-batch', 6);
    const all = await lines(file);
    await writeFile(file, all.slice(0, 4).join('\n') + '\n');
    const result = await verifyAuditLog(file, { anchor: false });
    expect(result.firstBad).toMatchObject({ line: 1, seq: 1 });
    expect(result.firstBad?.problem).toMatch(/entries 1 to 4 have no seal: their batch was cut short/);
    // The last line moved up (its seal with it): the seal no longer matches.
    await writeFile(file, [...all.slice(0, 3), all[5]].join('\n') + '\n');
    const moved = await verifyAuditLog(file, { anchor: false });
    expect(moved.firstBad?.problem).toMatch(/expected entry 4, found entry 6/);
  });

  it('a line copied into another batch, with its seq renumbered, is refused', async () => {
    const file = await writeLog('spliced', 3, true);
    const all = await lines(file);
    const copy = JSON.parse(all[0] as string) as Record<string, unknown>;
    const second = JSON.parse(all[1] as string) as Record<string, unknown>;
    const moved = { ...copy, seq: 2, prevHash: second.prevHash, hash: second.hash };
    const renumbered = all.slice(1).map((l) => {
      const e = JSON.parse(l) as Record<string, number>;
      return JSON.stringify({ ...e, seq: (e.seq as number) + 1 });
    });
    await writeFile(file, [all[0], JSON.stringify(moved), ...renumbered].join('\n') + '\n');
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 2, seq: 2 });
  });

  it('an edited line fails verification at that entry', async () => {
    const file = await writeLog('edited', 10, true);
    const all = await lines(file);
    all[6] = (all[6] as string)
      .replace('"decision":"allow"', '"decision":"deny"')
      .replace('"decision":"deny","reason":"no', '"decision":"allow","reason":"no');
    expect(all[6]).not.toBe((await lines(file))[6]);
    await writeFile(file, all.join('\n') + '\n');
    const result = await verifyAuditLog(file);
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ line: 7, seq: 7 });
    expect(result.firstBad?.problem).toMatch(/entry 7 was modified/);
    expect(result.verified).toBe(6);
  });

  it('an edited line whose hash was recomputed is caught at the next entry', async () => {
    const file = await writeLog('rehashed', 6, true);
    const { hashAuditEntry } = await import('../../../src/security/audit-entry.js');
    const all = (await lines(file)).map((l) => JSON.parse(l) as Record<string, unknown>);
    const forged = { ...all[2], who: 'mallory' } as Record<string, unknown>;
    const { hash: _old, ...body } = forged;
    forged.hash = hashAuditEntry(body as never);
    all[2] = forged;
    await writeFile(file, all.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const result = await verifyAuditLog(file);
    expect(result.firstBad).toMatchObject({ line: 4, seq: 4 });
    expect(result.firstBad?.problem).toMatch(/does not chain to entry 3/);
  });

  it('a deleted line fails verification naming the missing entry', async () => {
    const file = await writeLog('deleted', 10);
    const all = await lines(file);
    all.splice(4, 1); // entry 5
    await writeFile(file, all.join('\n') + '\n');
    const result = await verifyAuditLog(file);
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ line: 5, seq: 6 });
    expect(result.firstBad?.problem).toMatch(/expected entry 5, found entry 6: entry 5 is missing/);
  });

  it('reordered lines fail verification', async () => {
    const file = await writeLog('reordered', 5);
    const all = await lines(file);
    [all[1], all[2]] = [all[2] as string, all[1] as string];
    await writeFile(file, all.join('\n') + '\n');
    const result = await verifyAuditLog(file);
    expect(result.firstBad).toMatchObject({ line: 2, seq: 3 });
  });

  it('an emptied line and a truncated line fail verification', async () => {
    const file = await writeLog('emptied', 4);
    const all = await lines(file);
    all[1] = '';
    await writeFile(file, all.join('\n') + '\n');
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 2 });

    const cut = await writeLog('cut', 4);
    const text = await readFile(cut, 'utf8');
    await writeFile(cut, text.slice(0, -20));
    expect((await verifyAuditLog(cut)).firstBad).toMatchObject({
      line: 4,
      problem: expect.stringMatching(/cut short/),
    });
    // and a writer refuses to continue a damaged tail
    const writer = new AuditLog({ file: cut, clock: new TestClock() });
    await expect(writer.open()).rejects.toSatisfy(isAuditWriteFailedError);
  });

  it('rejects every append loudly when the file cannot be written (the path is a directory), and recovers', async () => {
    const file = join(dir, 'unwritable', 'audit.jsonl');
    await mkdir(file, { recursive: true });
    const logged: string[] = [];
    const logger = {
      error: (m: string) => logged.push(m),
    } as unknown as import('../../../src/logging/logger.js').Logger;
    const log = new AuditLog({ file, clock: new TestClock(), logger });
    await expect(log.open()).rejects.toSatisfy(isAuditWriteFailedError);
    const results = await Promise.allSettled([log.append(record(1)), log.append(record(2))]);
    expect(results.every((r) => r.status === 'rejected' && isAuditWriteFailedError(r.reason))).toBe(true);
    expect(logged.some((m) => m.includes('could not be written'))).toBe(true);
    await rm(file, { recursive: true });
    expect((await log.append(record(3))).seq).toBe(1);
  });

  it('scrubs known secrets before hashing and writing', async () => {
    const secrets = new SecretRegistry();
    secrets.add('hunter2-secret');
    const file = join(dir, 'scrub', 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(), secrets });
    await log.append({
      who: 'a',
      action: 'cache:read',
      resource: 'cache:key-hunter2-secret',
      decision: 'allow',
      reason: 'x',
    });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter2-secret');
    expect((await verifyAuditLog(file)).ok).toBe(true);
  });

  it('write() shares one promise per batch, reuses a record, and scrubs it again once a secret is added', async () => {
    const secrets = new SecretRegistry();
    const file = join(dir, 'shared', 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(), secrets });
    const rec: AuditRecord = {
      who: 'a',
      action: 'cache:read',
      resource: 'cache:key-late-secret',
      decision: 'allow',
      reason: 'x',
    };
    const first = log.write(rec);
    expect(log.write(rec)).toBe(first);
    await first;
    secrets.add('late-secret');
    await log.write(rec);
    const written = await lines(file);
    // The first batch's two entries of one record share a line (format 4), then the scrubbed one.
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^\{"seq":1,"count":2,.*key-late-secret/);
    expect(written[1]).toMatch(/^\{"seq":3,"time"/);
    expect(written[1]).not.toContain('late-secret');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 3 });
  });

  it('a batch repeating one record writes one line per run, which verifies and continues after a restart', async () => {
    const file = join(dir, 'runs', 'audit.jsonl');
    const clock = new TestClock(Date.UTC(2025, 0, 1));
    const log = new AuditLog({ file, clock });
    const same = record(1);
    const other = record(2);
    // Runs of the same record object (one line each, with a count) broken by another record.
    const batch = Array.from({ length: 120 }, (_, i) => log.write(i % 37 === 36 ? other : same));
    await Promise.all(batch);
    const runs = [
      { seq: 1, count: 36, r: same },
      { seq: 37, r: other },
      { seq: 38, count: 36, r: same },
      { seq: 74, r: other },
      { seq: 75, count: 36, r: same },
      { seq: 111, r: other },
      { seq: 112, count: 9, r: same },
    ];
    const written = await lines(file);
    expect(written).toHaveLength(runs.length);
    written.forEach((line, i) => {
      const { prevHash: _p, hash: _h, ...body } = JSON.parse(line) as Record<string, unknown>;
      const { seq, count, r } = runs[i] as (typeof runs)[number];
      const run = count === undefined ? {} : { count };
      expect(JSON.stringify(body)).toBe(JSON.stringify({ seq, ...run, time: '2025-01-01T00:00:00.000Z', ...r }));
    });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 120, head: { seq: 120 } });
    // Read back as entries: one object each, runs expanded, in seq order.
    const read: unknown[] = [];
    for await (const e of readAuditEntries(file)) read.push(e);
    expect(read).toEqual(
      Array.from({ length: 120 }, (_, i) => ({
        seq: i + 1,
        time: '2025-01-01T00:00:00.000Z',
        ...(i % 37 === 36 ? other : same),
      })),
    );
    await log.close();
    // A restarted log continues after the run's last entry, not its first.
    const again = new AuditLog({ file, clock });
    expect(await again.append(other)).toMatchObject({ seq: 121 });
    await again.close();
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 121, head: { seq: 121 } });
  });

  it('with runs: false writes one line per entry, which verifies as the same entries', async () => {
    const file = join(dir, 'no-runs', 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)), runs: false });
    const same = record(1);
    await Promise.all(Array.from({ length: 12 }, () => log.write(same)));
    const written = await lines(file);
    expect(written).toHaveLength(12);
    expect(written.map((l) => (JSON.parse(l) as { seq: number; count?: number }).count)).toEqual(
      Array.from({ length: 12 }, () => undefined),
    );
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 12, head: { seq: 12 } });
    await log.close();
  });

  it('readAuditEntries names a line that is not an entry and says how to check the log', async () => {
    const file = join(dir, 'unreadable', 'audit.jsonl');
    await mkdir(join(dir, 'unreadable'), { recursive: true });
    await writeFile(file, `${JSON.stringify({ seq: 1, time: 't', ...record(1) })}\nnot json\n`);
    const read: unknown[] = [];
    await expect(
      (async () => {
        for await (const e of readAuditEntries(file)) read.push(e);
      })(),
    ).rejects.toThrow(/audit\.jsonl:2 is not an audit entry; check the log with `stator audit verify --file/);
    expect(read).toHaveLength(1);
  });

  it('write() rejects every call of a batch that could not be written (fail closed)', async () => {
    const file = join(dir, 'shared-fail', 'audit.jsonl');
    const log = new AuditLog({
      file,
      clock: new TestClock(),
      write: () => Promise.reject(new Error('disk full')),
    });
    const rec = record(1);
    const calls = [log.write(rec), log.write(rec), log.write(record(2))];
    for (const c of calls) await expect(c).rejects.toSatisfy(isAuditWriteFailedError);
  });

  it('verify reports a missing file by throwing', async () => {
    await expect(verifyAuditLog(join(dir, 'nope.jsonl'))).rejects.toThrow(/ENOENT/);
    await appendFile(join(dir, 'empty.jsonl'), '');
    expect(await verifyAuditLog(join(dir, 'empty.jsonl'))).toMatchObject({ ok: true, verified: 0 });
  });
});
