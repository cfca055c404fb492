/**
 * What makes a guarded call cheap must not change what it guarantees: the audit log's group
 * commit (an append resolves once its entry is in the file, or on disk with `sync: always`; a
 * write that fails refuses the call), verified tokens cached until expiry (revocation still at
 * once), decisions memoized per principal and permission (dropped when the rules change, never
 * kept for time or request conditions). Real files; the test clock for time.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuditWriteFailedError } from '../../../src/errors/audit-write-failed-error.js';
import { isTokenInvalidError } from '../../../src/errors/token-invalid-error.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import type { AuditRecord } from '../../../src/security/audit-entry.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import type { AuditSync } from '../../../src/security/audit-writer.js';
import { Authorizer } from '../../../src/security/authorizer.js';
import { createSecurity } from '../../../src/security/create-security.js';
import { hashPassword } from '../../../src/security/password-hash.js';
import type { Principal } from '../../../src/security/principal.js';
import type { Tokens, VerifiedToken } from '../../../src/security/token-service.js';
import { hmacSha256Hex } from '../../../src/security/keyed-hash.js';
import { cacheVerifiedTokens } from '../../../src/security/verified-token-cache.js';
import { verifyAuditLog } from '../../../src/security/verify-audit-log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stator-guarded-cost-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (i: number): AuditRecord => ({
  who: `user${i}`,
  action: 'cache:read',
  resource: `cache:k${i}`,
  decision: 'allow',
  reason: 'granted by role reader (cache:read:*)',
});
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe.each(['batch', 'always'] as AuditSync[])('audit log group commit, sync: %s', (sync) => {
  it('writes the entries of concurrent calls together; each call resolves once its entry is in the file', async () => {
    const file = join(dir, `group-${sync}`, 'audit.jsonl');
    const batches: number[] = [];
    const log = new AuditLog({
      file,
      clock: new TestClock(Date.UTC(2025, 0, 1)),
      sync,
      onWritten: (count) => batches.push(count),
    });
    const inFileWhenResolved = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        log
          .append(record(i))
          .then((entry) => lines(file).some((l) => (JSON.parse(l) as { seq: number }).seq === entry.seq)),
      ),
    );
    expect(inFileWhenResolved).toEqual(Array.from({ length: 40 }, () => true));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(40);
    expect(batches.length).toBeLessThan(40); // group commit: fewer writes than entries
    expect(lines(file)).toHaveLength(40);
    expect((await verifyAuditLog(file)).ok).toBe(true);
    await log.close();
  });

  it('fails closed when the file cannot be written, and writes again once it can', async () => {
    const file = join(dir, `closed-${sync}`, 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)), sync });
    await log.append(record(1));
    await rename(file, `${file}.moved`);
    await mkdir(file); // the path is now a directory
    const error = await log.append(record(2)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAuditWriteFailedError(error)).toBe(true);
    expect(lines(`${file}.moved`)).toHaveLength(1); // nothing went to the moved file either
    await rm(file, { recursive: true });
    await log.append(record(3));
    expect(lines(file)).toHaveLength(1);
    await log.close();
  });
});

describe('audit log, sync: batch', () => {
  it('flushes the file to disk one batch interval after a write, on the clock', async () => {
    const clock = new TestClock(Date.UTC(2025, 0, 1));
    const file = join(dir, 'interval', 'audit.jsonl');
    const log = new AuditLog({ file, clock, sync: 'batch', batchIntervalMs: 250 });
    expect(clock.pending).toBe(0);
    await log.append(record(1));
    await log.append(record(2));
    expect(clock.pending).toBe(1); // one flush planned for both
    await clock.advance(249);
    expect(clock.pending).toBe(1);
    await clock.advance(1);
    expect(clock.pending).toBe(0);
    await log.close();
    expect(existsSync(file)).toBe(true);
  });
});

describe('verified tokens cached until expiry', () => {
  const counting = (expiresAt: number, fail = false): Tokens & { calls: number } => {
    const tokens = {
      calls: 0,
      issue: () => Promise.reject(new Error('not used')),
      verify: async (): Promise<VerifiedToken> => {
        tokens.calls++;
        if (fail) throw new Error('bad signature');
        return { principalId: 'alice', jti: 'j1', expiresAt };
      },
    };
    return tokens;
  };

  it('verifies a token once until it expires, then again', async () => {
    const clock = new TestClock(1_000);
    const inner = counting(5_000);
    const tokens = cacheVerifiedTokens(inner, clock);
    await tokens.verify('t');
    await tokens.verify('t');
    expect(inner.calls).toBe(1);
    await clock.advance(4_000); // now = expiresAt
    await tokens.verify('t');
    expect(inner.calls).toBe(2);
  });

  it('never caches a refused token', async () => {
    const inner = counting(5_000, true);
    const tokens = cacheVerifiedTokens(inner, new TestClock(1_000));
    await expect(tokens.verify('t')).rejects.toThrow('bad signature');
    await expect(tokens.verify('t')).rejects.toThrow('bad signature');
    expect(inner.calls).toBe(2);
  });

  it('still refuses a cached token at once when it is revoked, and when it has expired', async () => {
    const clock = new TestClock(Date.UTC(2025, 0, 15, 12));
    const config = loadConfig({
      filesystem: { base_path: join(dir, 'tokens') },
      security: {
        principals: { alice: { password_hash: await hashPassword('pw-alice-1', { N: 1024 }), roles: ['reader'] } },
        roles: { reader: { permissions: ['cache:read:*'] } },
        jwt: { secret: 'unit-test-jwt-secret-0123456789-abcdef', ttl: 60, clock_tolerance: 0 },
      },
    });
    const security = createSecurity(createRuntimeContext({ config, clock, logger: createLogger({ silent: true }) }));
    const first = await security.auth.authenticate({ username: 'alice', password: 'pw-alice-1' });
    expect((await security.auth.verify(first.token)).id).toBe('alice');
    expect((await security.auth.verify(first.token)).id).toBe('alice'); // from the cache
    await security.auth.revoke(first.token);
    const revoked = await security.auth.verify(first.token).catch((e: unknown) => e);
    expect(isTokenInvalidError(revoked) && revoked.reason).toBe('revoked');

    const second = await security.auth.authenticate({ username: 'alice', password: 'pw-alice-1' });
    expect((await security.auth.verify(second.token)).id).toBe('alice');
    await clock.advance(60_000);
    const expired = await security.auth.verify(second.token).catch((e: unknown) => e);
    expect(isTokenInvalidError(expired) && expired.reason).toBe('expired');
    await security.audit.close();
  });
});

describe('decisions memoized per principal and permission', () => {
  const alice: Principal = { id: 'alice', roles: ['writer'], attributes: {} };
  const write = { resource: 'db', action: 'write', scope: 'orders', attributes: {} } as const;

  it('follows replaced rules at once', () => {
    const authorizer = new Authorizer({ roles: { writer: { permissions: ['db:write:*'] } } }, new TestClock(0));
    expect(authorizer.decide(alice, write).allowed).toBe(true);
    expect(authorizer.decide(alice, write).allowed).toBe(true);
    authorizer.replaceRules({
      roles: { writer: { permissions: ['db:write:*'] } },
      policies: [{ name: 'freeze', effect: 'deny', permissions: ['db:write:*'] }],
    });
    expect(authorizer.decide(alice, write)).toMatchObject({ allowed: false, reason: 'denied by policy freeze' });
    authorizer.replaceRules({ roles: { writer: { permissions: ['db:read:*'] } } });
    expect(authorizer.decide(alice, write)).toMatchObject({ allowed: false, reason: 'no role or policy grants it' });
  });

  it('decides again when a time window or request condition takes part', async () => {
    const clock = new TestClock(Date.UTC(2025, 0, 15, 10)); // a Wednesday, 10:00 UTC
    const authorizer = new Authorizer(
      {
        roles: { writer: { permissions: ['db:write:*'] } },
        policies: [
          {
            name: 'office-hours',
            effect: 'deny',
            permissions: ['db:write:*'],
            unless: { time: { from: '08:00', to: '18:00', timezone: 'UTC' } },
          },
          {
            name: 'owner-only',
            effect: 'deny',
            permissions: ['db:write:notes'],
            unless: { request: { owner: '${principal.id}' } },
          },
        ],
      },
      clock,
    );
    expect(authorizer.decide(alice, write).allowed).toBe(true);
    await clock.advance(10 * 3600_000); // 20:00
    expect(authorizer.decide(alice, write)).toMatchObject({ allowed: false, reason: 'denied by policy office-hours' });
    await clock.advance(14 * 3600_000); // 10:00 the next day
    const notes = { resource: 'db', action: 'write', scope: 'notes' } as const;
    expect(authorizer.decide(alice, { ...notes, attributes: { owner: 'alice' } }).allowed).toBe(true);
    expect(authorizer.decide(alice, { ...notes, attributes: { owner: 'bob' } })).toMatchObject({
      allowed: false,
      reason: 'denied by policy owner-only',
    });
  });
});

describe('what makes an audit entry cheap writes the same bytes', () => {
  it('the one-shot HMAC is createHmac, for short, long and non-ASCII keys and data', () => {
    for (const key of ['k', 'x'.repeat(64), 'y'.repeat(200), 'clé-ünïcode']) {
      const digest = hmacSha256Hex(key);
      for (const data of ['', 'a', 'é😀'.repeat(300), 'z'.repeat(5000)])
        expect(digest(data)).toBe(createHmac('sha256', key).update(data).digest('hex'));
    }
  });

  it('a written line is JSON.stringify of the entry (the seal on the batch last line only), sealed over the bytes written', async () => {
    const file = join(dir, 'bytes', 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)), key: 'line-key-0123456789' });
    const entries = await Promise.all([
      log.append({ ...record(1), reason: 'quote " backslash \\ é \u2028 😀' }),
      log.append(record(2)),
      log.append(record(3)),
    ]);
    const unsealed = entries.map(({ hash: _h, prevHash: _p, ...body }) => JSON.stringify(body));
    expect(lines(file)).toEqual([...unsealed.slice(0, 2), JSON.stringify(entries[2])]);
    const seal = createHmac('sha256', 'line-key-0123456789')
      .update(`${entries[0]?.prevHash}\n${unsealed.map((l) => `${l}\n`).join('')}`)
      .digest('hex');
    expect(entries.map((e) => e.hash)).toEqual([seal, seal, seal]);
    const second = await Promise.all([log.append(record(4)), log.append(record(5))]);
    expect(second[1]?.prevHash).toBe(seal);
    expect(await verifyAuditLog(file, { key: 'line-key-0123456789' })).toMatchObject({ ok: true, verified: 5 });
    await log.close();
  });

  it('the head anchor is rewritten in place, recreated when deleted, and a tampered one is reported', async () => {
    const file = join(dir, 'anchor', 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)) });
    await log.append(record(1));
    await log.drain(); // the anchor is written once the tick's work is done; drain() writes it now
    expect(readFileSync(`${file}.head`, 'utf8')).toMatch(/^\{"seq":1,.*\} +\n$/);
    await log.append(record(2));
    await log.drain();
    expect(JSON.parse(readFileSync(`${file}.head`, 'utf8'))).toMatchObject({ seq: 2 });
    // Overwritten in place by someone else with something longer: never a pass, verify reports it.
    writeFileSync(`${file}.head`, `${'x'.repeat(400)}\n`);
    await log.append(record(3));
    await log.drain();
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      firstBad: { problem: 'the head anchor is not valid JSON' },
    });
    rmSync(`${file}.head`);
    // The watch reports the deletion at the loop's next poll; the next append writes a new anchor.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    await log.append(record(4));
    await log.drain();
    expect(JSON.parse(readFileSync(`${file}.head`, 'utf8'))).toMatchObject({ seq: 4 });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, verified: 4 });
    writeFileSync(file, `${lines(file).slice(0, 3).join('\n')}\n`); // the last entry cut off
    expect((await verifyAuditLog(file)).ok).toBe(false);
    await log.close();
  });

  it('the anchor lags the log by at most 8 batches within one tick, and names the head once the tick is done', async () => {
    const file = join(dir, 'anchor-lag', 'audit.jsonl');
    const log = new AuditLog({ file, clock: new TestClock(Date.UTC(2025, 0, 1)) });
    const anchored = (): number => (JSON.parse(readFileSync(`${file}.head`, 'utf8')) as { seq: number }).seq;
    // One batch after the other, each awaited, without leaving the tick (promises only).
    for (let i = 1; i <= 8; i++) await log.append(record(i));
    expect(anchored()).toBe(8);
    for (let i = 9; i <= 12; i++) await log.append(record(i));
    expect(anchored()).toBeGreaterThanOrEqual(8);
    await new Promise((resolve) => setImmediate(resolve));
    expect(anchored()).toBe(12);
    // Cut while the process runs: the next anchor names the head written, so verify finds it.
    await log.append(record(13));
    writeFileSync(file, `${lines(file).slice(0, 12).join('\n')}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(anchored()).toBe(13);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false });
    await log.close();
  });
});
