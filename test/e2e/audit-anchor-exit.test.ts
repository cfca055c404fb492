/**
 * The audit log's head anchor is written after a batch once the tick's work is done, or at once
 * every 8 batches (see `AuditAnchorFile`): a process that dies of an uncaught error in the middle
 * of a tick still leaves an anchor naming the last entry it wrote (the exit hook). Runs the built
 * module (`npm run build` first) in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/security/verify-audit-log.js';

const MODULE = resolve(import.meta.dirname, '../../dist/src/security/audit-log.js');
const dir = mkdtempSync(join(tmpdir(), 'stator-e2e-anchor-'));

beforeAll(() => {
  if (!existsSync(MODULE)) throw new Error(`${MODULE} is missing: run \`npm run build\` before the e2e tests`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audit head anchor on exit', () => {
  it('names the last entry written when the process dies of an uncaught error before the tick ends', async () => {
    const file = join(dir, 'audit.jsonl');
    const script = join(dir, 'crash.mjs');
    // 12 batches in one tick (each append awaited, promises only), then an uncaught error: the
    // anchor was written at the 8th batch and owes the last 4 when the process exits.
    writeFileSync(
      script,
      `import { AuditLog } from ${JSON.stringify(pathToFileURL(MODULE).href)};
const log = new AuditLog({ file: ${JSON.stringify(file)}, clock: { now: () => Date.UTC(2025, 0, 1), setTimeout, clearTimeout } });
await log.open();
for (let i = 1; i <= 12; i++)
  await log.append({ who: 'u' + i, action: 'db:read', resource: 'db:t', decision: 'allow', reason: 'r' });
queueMicrotask(() => { throw new Error('crash in the middle of the tick'); });
`,
    );
    const code = await new Promise<number | null>((done) => {
      const child = execFile(process.execPath, [script], () => undefined);
      child.on('exit', (c) => done(c));
    });
    expect(code).toBe(1);
    expect(JSON.parse(readFileSync(`${file}.head`, 'utf8'))).toMatchObject({ seq: 12 });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 12 });
    // The last entry cut off afterwards is found through the anchor.
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    writeFileSync(file, `${lines.slice(0, 11).join('\n')}\n`);
    expect((await verifyAuditLog(file)).ok).toBe(false);
  });
});
