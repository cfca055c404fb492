/**
 * Each tampering of the keyed audit chain is found by `stator audit verify`; a write cut short by
 * a full disk (ENOSPC, simulated by a write function injected at the fs seam that writes part of
 * the batch and then fails, as a full filesystem does) is cut back, access fails closed while
 * writing fails, and the log recovers and verifies once writing works again.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../../../src/cli/commands/audit.js';
import { TestClock } from '../../../../src/kernel/clock.js';
import { AuditAnchorFile } from '../../../../src/security/audit-anchor.js';
import {
  GENESIS_HASH,
  auditFieldArray,
  hashAuditEntry,
  sealAuditBatch,
  type AuditEntry,
  type AuditRecord,
} from '../../../../src/security/audit-entry.js';
import { AuditLog } from '../../../../src/security/audit-log.js';
import { verifyAuditLog } from '../../../../src/security/verify-audit-log.js';

const KEY = 'audit-hmac-key-for-tests-0123456789';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stator-audit-tamper-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
  delete process.env.STATOR_AUDIT_KEY;
});

async function verifyCli(file: string): Promise<{ out: string; code: number }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  process.env.STATOR_AUDIT_KEY = KEY;
  const program = new Command('stator').exitOverride();
  register(program);
  process.exitCode = undefined;
  await program.parseAsync(['node', 'stator', 'audit', 'verify', '--file', file]);
  const code = Number(process.exitCode ?? 0);
  vi.restoreAllMocks();
  return { out, code };
}

/** `n` entries appended `batch` at a time (concurrently: each group is one sealed batch). */
async function writeLog(name: string, n = 6, batch = 1): Promise<string> {
  const file = join(dir, `${name}-${batch}`, 'audit.jsonl');
  const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2026, 0, 1)), key: KEY });
  for (let i = 1; i <= n; i += batch)
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i + 1) }, (_, j) =>
        log.append({
          who: 'alice',
          action: 'db:read',
          resource: `db:t${i + j}`,
          decision: (i + j) % 2 ? 'allow' : 'deny',
          reason: 'r',
        }),
      ),
    );
  return file;
}
/**
 * A log whose batches repeat one record (format 4 runs, a burst of one guarded call each): lines
 * `1-3 (count 3)`, `4`, `5`, `6-7 (count 2)`, `8`, `9-12 (count 4)`, in four sealed batches.
 */
async function writeRunsLog(name: string): Promise<string> {
  const file = join(dir, `${name}-runs`, 'audit.jsonl');
  const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2026, 0, 1)), key: KEY });
  const rec = (i: number): AuditRecord => ({
    who: 'alice',
    action: 'db:read',
    resource: `db:t${i}`,
    decision: i % 2 ? 'allow' : 'deny',
    reason: 'r',
  });
  const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map(rec) as AuditRecord[] & { length: 6 };
  for (const batch of [[a, a, a, b], [c], [d, d, e], [f, f, f, f]] as AuditRecord[][])
    await Promise.all(batch.map((r) => log.write(r)));
  await log.close();
  return file;
}
/** Rewrites line `i` of a log through `edit` (its JSON object). */
async function editLine(f: string, i: number, edit: (e: Record<string, unknown>) => Record<string, unknown>) {
  const all = await linesOf(f);
  const at = i < 0 ? all.length + i : i;
  all[at] = JSON.stringify(edit(JSON.parse(all[at] as string) as Record<string, unknown>));
  await writeFile(f, `${all.join('\n')}\n`);
}
/** `{seq, count, ...rest}` in that key order (a count where a line of the verifier's canonical form has it). */
const withCount = ({ seq, count: _c, ...rest }: Record<string, unknown>, count: number): Record<string, unknown> => ({
  seq,
  count,
  ...rest,
});
/**
 * Rewrites a log as format 2 wrote it (every line of a batch carries the batch's seal over the
 * JSON array of its entries' fields), keyed, with its head anchor: what an older Stator left.
 */
async function toFormat2(file: string): Promise<void> {
  const out: string[] = [];
  let prev = GENESIS_HASH;
  let group: Omit<AuditEntry, 'prevHash' | 'hash'>[] = [];
  let seq = 0;
  for (const text of await linesOf(file)) {
    const {
      prevHash: _p,
      hash,
      ...body
    } = JSON.parse(text) as Partial<AuditEntry> & Omit<AuditEntry, 'prevHash' | 'hash'>;
    group.push(body);
    seq = body.seq;
    if (hash === undefined) continue;
    const seal = sealAuditBatch(prev, group.map(auditFieldArray), KEY);
    for (const b of group) out.push(JSON.stringify({ ...b, prevHash: prev, hash: seal }));
    prev = seal;
    group = [];
  }
  await writeFile(file, `${out.join('\n')}\n`);
  const anchor = new AuditAnchorFile(file);
  anchor.write({ seq, hash: prev }, KEY);
  anchor.close();
}
const linesOf = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').filter(Boolean);
const entry = (line: string): AuditEntry => JSON.parse(line) as AuditEntry;
const line = (e: AuditEntry): string => JSON.stringify(e);

/** Recomputes a whole chain as an attacker without the key would (plain SHA-256). */
function rechain(entries: AuditEntry[]): string[] {
  let prev = '0'.repeat(64);
  return entries.map((e, i) => {
    const body = { ...e, seq: i + 1, prevHash: prev } as Omit<AuditEntry, 'hash'> & { hash?: string };
    delete body.hash;
    const hash = hashAuditEntry(body);
    prev = hash;
    return line({ ...(body as Omit<AuditEntry, 'hash'>), hash });
  });
}

const TAMPERINGS: [string, (file: string) => Promise<void>][] = [
  ['delete the last lines', async (f) => writeFile(f, `${(await linesOf(f)).slice(0, 4).join('\n')}\n`)],
  ['truncate to 0 bytes', async (f) => writeFile(f, '')],
  [
    'delete one line inside the log',
    async (f) => {
      const all = await linesOf(f);
      all.splice(1, 1);
      await writeFile(f, `${all.join('\n')}\n`);
    },
  ],
  [
    'delete one line and renumber the ones after it',
    async (f) => {
      const all = (await linesOf(f)).map(entry);
      all.splice(1, 1);
      await writeFile(f, `${all.map((e, i) => line({ ...e, seq: i + 1 })).join('\n')}\n`);
    },
  ],
  [
    'rewrite every deny to allow with a recomputed chain',
    async (f) =>
      writeFile(f, `${rechain((await linesOf(f)).map(entry).map((e) => ({ ...e, decision: 'allow' }))).join('\n')}\n`),
  ],
  [
    'delete an entry and renumber',
    async (f) => {
      const all = (await linesOf(f)).map(entry);
      all.splice(2, 1);
      await writeFile(f, `${rechain(all).join('\n')}\n`);
    },
  ],
  [
    'a duplicate "decision":"allow" key before the real one',
    async (f) => {
      const all = await linesOf(f);
      all[1] = (all[1] as string).replace('"decision":"deny"', '"decision":"allow","decision":"deny"');
      await writeFile(f, `${all.join('\n')}\n`);
    },
  ],
  ['CRLF line endings', async (f) => writeFile(f, `${(await linesOf(f)).join('\r\n')}\r\n`)],
  [
    'an escaped \\u0061lice',
    async (f) => {
      const all = await linesOf(f);
      all[0] = (all[0] as string).replace('"who":"alice"', '"who":"\\u0061lice"');
      await writeFile(f, `${all.join('\n')}\n`);
    },
  ],
  [
    'edit one field',
    async (f) => {
      const all = await linesOf(f);
      all[3] = (all[3] as string).replace('"decision":"deny"', '"decision":"allow"');
      await writeFile(f, `${all.join('\n')}\n`);
    },
  ],
  [
    'swap two lines',
    async (f) => {
      const all = await linesOf(f);
      [all[1], all[2]] = [all[2] as string, all[1] as string];
      await writeFile(f, `${all.join('\n')}\n`);
    },
  ],
  [
    'strip the seal from the first line that carries one (two batches made one)',
    async (f) => {
      const all = await linesOf(f);
      const i = all.findIndex((l) => l.includes('"hash"'));
      const { prevHash: _p, hash: _h, ...body } = entry(all[i] as string);
      all[i] = JSON.stringify(body);
      await writeFile(f, `${all.join('\n')}\n`);
    },
  ],
  [
    'strip the seal from the last line',
    async (f) => {
      const all = await linesOf(f);
      const { prevHash: _p, hash: _h, ...body } = entry(all[all.length - 1] as string);
      all[all.length - 1] = JSON.stringify(body);
      await writeFile(f, `${all.join('\n')}\n`);
    },
  ],
  [
    'forge the head anchor after cutting lines',
    async (f) => {
      const all = await linesOf(f);
      await writeFile(f, `${all.slice(0, 3).join('\n')}\n`);
      const e = entry(all[2] as string);
      await writeFile(`${f}.head`, `${JSON.stringify({ seq: e.seq, hash: e.hash, mac: 'f'.repeat(64) })}\n`);
    },
  ],
  ['make the last line a run of 2 (one more entry)', (f) => editLine(f, -1, (e) => withCount(e, 2))],
  [
    'make the first line a run of 2 and renumber the lines after it',
    async (f) => {
      await editLine(f, 0, (e) => withCount(e, ((e.count as number | undefined) ?? 1) + 1));
      const all = (await linesOf(f)).map((l) => JSON.parse(l) as Record<string, unknown>);
      const renumbered = all.map((e, i) => (i === 0 ? e : { ...e, seq: (e.seq as number) + 1 }));
      await writeFile(f, `${renumbered.map((e) => JSON.stringify(e)).join('\n')}\n`);
    },
  ],
];

/** Tamperings of runs (format 4): a count changed, dropped or written in a form that is not canonical. */
const RUN_TAMPERINGS: [string, (file: string) => Promise<void>][] = [
  ['lower the last run from 4 to 3 entries', (f) => editLine(f, -1, (e) => withCount(e, 3))],
  ['raise a run inside the log from 3 to 4 entries', (f) => editLine(f, 0, (e) => withCount(e, 4))],
  [
    'drop a run to one entry and renumber the lines after it',
    async (f) => {
      const all = (await linesOf(f)).map((l) => JSON.parse(l) as Record<string, unknown>);
      const { count: _c, ...first } = all[0] as Record<string, unknown>;
      const rest = all.slice(1).map((e) => ({ ...e, seq: (e.seq as number) - 2 }));
      await writeFile(f, `${[first, ...rest].map((e) => JSON.stringify(e)).join('\n')}\n`);
    },
  ],
  ['a count of 1', (f) => editLine(f, 0, (e) => withCount(e, 1))],
  ['a count of 0', (f) => editLine(f, 0, (e) => withCount(e, 0))],
  ['a count written as text', (f) => editLine(f, 0, ({ count, ...e }) => ({ ...e, count: String(count) }))],
  ['a count after time (key order)', (f) => editLine(f, 0, ({ count, ...e }) => ({ ...e, count }))],
];

describe('keyed audit chain: every tampering is found by stator audit verify', () => {
  // One sealed batch per entry, batches of three entries (group commit), and batches of three as
  // format 2 wrote them (every line carrying the seal).
  const LAYOUTS = [
    ['batches of 1', 1, false],
    ['batches of 3', 3, false],
    ['batches of 3, format 2', 3, true],
    ['batches with runs of one record, format 4', 0, false],
  ] as const;
  const layoutLog = async (name: string, batch: number, format2: boolean): Promise<string> => {
    if (batch === 0) return writeRunsLog(name);
    const file = await writeLog(`${name}${format2 ? '-f2' : ''}`, 6, batch);
    if (format2) await toFormat2(file);
    return file;
  };
  it.each(LAYOUTS)('an intact keyed log verifies (exit 0), %s', async (_layout, batch, format2) => {
    const file = await layoutLog('intact', batch, format2);
    if (format2) expect(new Set((await linesOf(file)).map((l) => entry(l).hash)).size).toBe(2);
    const r = await verifyCli(file);
    expect(r.code, r.out).toBe(0);
  });
  it.each(TAMPERINGS.flatMap(([name, tamper]) => LAYOUTS.map((l) => [name, ...l, tamper] as const)))(
    '%s (%s)',
    async (name, _layout, batch, format2, tamper) => {
      const file = await layoutLog(name.replace(/[^a-z]+/gi, '-'), batch, format2);
      await tamper(file);
      const r = await verifyCli(file);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/BROKEN/);
    },
  );
  it.each(RUN_TAMPERINGS)('%s (runs)', async (name, tamper) => {
    const file = await writeRunsLog(name.replace(/[^a-z0-9]+/gi, '-'));
    expect((await verifyAuditLog(file, { key: KEY })).verified).toBe(12);
    await tamper(file);
    const r = await verifyCli(file);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/BROKEN/);
  });
  it('without the key a recomputed chain is refused too (the hashes are HMACs)', async () => {
    const file = await writeLog('nokey');
    expect((await verifyAuditLog(file, { key: KEY })).ok).toBe(true);
    expect((await verifyAuditLog(file)).ok).toBe(false);
  });
});

describe('a write cut short by a full disk (ENOSPC at the fs seam)', () => {
  it('is cut back, fails closed while writing fails, and recovers once it can write', async () => {
    const file = join(dir, 'enospc', 'audit.jsonl');
    let full = false;
    const write = async (f: string, data: string): Promise<void> => {
      if (!full) return appendFile(f, data);
      await appendFile(f, data.slice(0, Math.floor(data.length / 2))); // part of the batch lands
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2026, 0, 1)), key: KEY, write });
    const rec = (i: number) => ({
      who: 'alice',
      action: 'db:read',
      resource: `db:t${i}`,
      decision: 'allow' as const,
      reason: 'r',
    });
    for (let i = 1; i <= 3; i++) await log.append(rec(i));
    const before = await readFile(file, 'utf8');
    full = true;
    for (let i = 4; i <= 6; i++) await expect(log.append(rec(i))).rejects.toMatchObject({ code: 'AUDIT_WRITE_FAILED' });
    expect(await readFile(file, 'utf8')).toBe(before); // the partial tail was cut back each time
    full = false;
    const next = await log.append(rec(7));
    expect(next.seq).toBe(4);
    const result = await verifyAuditLog(file, { key: KEY });
    expect(result).toMatchObject({ ok: true, verified: 4 });
  });
});
