/**
 * The path of a guarded call with one request (`Security.enforceThen`, reached through
 * `as(...).cache`): the operation runs only once the call's audit entry is in the file, never when
 * the entry cannot be written or the call is denied; a token known valid is resolved without
 * waiting (`Authenticator.verifyNow`), and a revoked one is still refused at once. Real files, a
 * real memory cache; the test clock.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheLayer } from '../../../src/cache/index.js';
import type { StatorCache } from '../../../src/cache/types.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { isAccessDeniedError, type AccessDeniedError } from '../../../src/errors/access-denied-error.js';
import { isAuditWriteFailedError } from '../../../src/errors/audit-write-failed-error.js';
import { isTokenInvalidError } from '../../../src/errors/token-invalid-error.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createSecurity } from '../../../src/security/create-security.js';
import { guardAccess } from '../../../src/security/guard-access.js';
import { hashPassword } from '../../../src/security/password-hash.js';
import { verifyAuditLog } from '../../../src/security/verify-audit-log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stator-guarded-path-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rig(name: string, audit: { runs?: boolean } = {}) {
  const base = join(dir, name);
  const clock = new TestClock(Date.UTC(2025, 0, 15, 12));
  const config = loadConfig({
    filesystem: { base_path: base },
    cache: { driver: 'memory' },
    security: {
      principals: { alice: { password_hash: await hashPassword('pw-alice-1', { N: 1024 }), roles: ['reader'] } },
      roles: { reader: { permissions: ['cache:read:*', 'cache:write:mine:*'] } },
      jwt: { secret: 'unit-test-jwt-secret-0123456789-abcdef', ttl: 60, clock_tolerance: 0 },
      audit,
    },
  });
  const ctx = createRuntimeContext({ config, clock, logger: createLogger({ silent: true }) });
  const security = createSecurity(ctx);
  await security.ready();
  const layer = createCacheLayer(ctx);
  await layer.start({ signal: new AbortController().signal, attempt: 1, dependencies: new Map() });
  await layer.api.set('user:1', 'one');
  const file = join(base, 'logs', 'audit.jsonl');
  /** For each operation run: whether the audit file already held a cache entry for it and each one before. */
  const ran: boolean[] = [];
  const cache = (): StatorCache => {
    // A line is one entry, or a run of `count` alike (format 4).
    const entries = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"action":"cache:'))
      .reduce((n, l) => n + ((JSON.parse(l) as { count?: number }).count ?? 1), 0);
    ran.push(entries >= ran.length + 1);
    return layer.api;
  };
  const guarded = (subject: Parameters<typeof guardAccess>[1]) => {
    const as = guardAccess(security, subject, { cache, db: () => layer.api as never, fs: () => layer.api as never });
    return {
      get: (key: string) => as.cache.get(key),
      set: (key: string, value: unknown) => as.cache.set(key, value),
    };
  };
  const close = async () => {
    await security.audit.close();
    await layer.stop(new AbortController().signal);
  };
  return { security, layer, file, ran, guarded, close, clock };
}

const refused = (p: Promise<unknown>): Promise<AccessDeniedError> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => {
      if (!isAccessDeniedError(e)) throw e;
      return e;
    },
  );

describe('guarded call with one request', () => {
  it('runs the operation only after its entry is written, for concurrent calls with a principal and a token', async () => {
    const r = await rig('order');
    const { token } = await r.security.auth.authenticate({ username: 'alice', password: 'pw-alice-1' });
    const byPrincipal = r.guarded({ id: 'alice', roles: ['reader'], attributes: {} });
    const byToken = r.guarded(token);
    await byToken.get('user:1'); // the token's verification is remembered from here on
    const values = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? byToken : byPrincipal).get('user:1')),
    );
    expect(values).toEqual(Array.from({ length: 20 }, () => 'one'));
    expect(r.ran).toHaveLength(21);
    expect(r.ran.every(Boolean)).toBe(true);
    const denied = await refused(byToken.set('user:1', 'changed'));
    expect(denied.permission).toBe('cache:write:user:1');
    expect(r.ran).toHaveLength(21); // a denied call never reaches the cache
    expect(await r.layer.api.get('user:1')).toBe('one');
    expect((await verifyAuditLog(r.file)).ok).toBe(true);
    await r.close();
  });

  it('writes a burst of one call as one line that counts it, or a line each with security.audit.runs: false', async () => {
    const lines = async (runs: boolean): Promise<string[]> => {
      const r = await rig(`runs-${runs}`, { runs });
      const alice = r.guarded({ id: 'alice', roles: ['reader'], attributes: {} });
      await Promise.all(Array.from({ length: 8 }, () => alice.get('user:1')));
      expect(await verifyAuditLog(r.file)).toMatchObject({ ok: true, verified: 8 });
      await r.close();
      return readFileSync(r.file, 'utf8').split('\n').filter(Boolean);
    };
    const runs = await lines(true);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^\{"seq":1,"count":8,"time":.*"action":"cache:read"/);
    const each = await lines(false);
    expect(each.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(each.every((l) => !l.includes('"count"'))).toBe(true);
  });

  it('refuses a revoked token at once, audited, although its verification is remembered', async () => {
    const r = await rig('revoked');
    const { token } = await r.security.auth.authenticate({ username: 'alice', password: 'pw-alice-1' });
    const byToken = r.guarded(token);
    expect(await byToken.get('user:1')).toBe('one');
    expect(r.security.principalNow(token)?.id).toBe('alice');
    await r.security.auth.revoke(token);
    expect(r.security.principalNow(token)).toBeUndefined();
    const error = await byToken.get('user:1').catch((e: unknown) => e);
    expect(isTokenInvalidError(error) && error.reason).toBe('revoked');
    expect(r.ran).toHaveLength(1);
    const last = readFileSync(r.file, 'utf8').trim().split('\n').pop() ?? '';
    expect(JSON.parse(last)).toMatchObject({
      action: 'auth.token',
      decision: 'deny',
      reason: 'token refused: revoked',
    });
    await r.close();
  });

  it('goes back to full verification once the token expires', async () => {
    const r = await rig('expired');
    const { token } = await r.security.auth.authenticate({ username: 'alice', password: 'pw-alice-1' });
    expect(await r.guarded(token).get('user:1')).toBe('one');
    await r.clock.advance(60_000);
    expect(r.security.principalNow(token)).toBeUndefined();
    const error = await r
      .guarded(token)
      .get('user:1')
      .catch((e: unknown) => e);
    expect(isTokenInvalidError(error) && error.reason).toBe('expired');
    await r.close();
  });

  it('fails closed when the entry cannot be written: the operation never runs, and runs again once it can', async () => {
    const r = await rig('closed');
    const { token } = await r.security.auth.authenticate({ username: 'alice', password: 'pw-alice-1' });
    const byToken = r.guarded(token);
    expect(await byToken.get('user:1')).toBe('one');
    await rename(r.file, `${r.file}.moved`);
    await mkdir(r.file); // the path is now a directory: writes fail
    const errors = await Promise.all([
      refused(byToken.set('mine:a', 1)),
      refused(byToken.get('user:1')),
      refused(r.guarded({ id: 'alice', roles: ['reader'], attributes: {} }).get('user:1')),
    ]);
    for (const e of errors) {
      expect(e.reason).toMatch(/audit log cannot be written/);
      expect(isAuditWriteFailedError(e.cause)).toBe(true);
    }
    expect(r.ran).toHaveLength(1);
    expect(await r.layer.api.get('mine:a')).toBeUndefined();
    await rm(r.file, { recursive: true });
    await rename(`${r.file}.moved`, r.file);
    await byToken.set('mine:a', 1);
    expect(await r.layer.api.get('mine:a')).toBe(1);
    expect((await verifyAuditLog(r.file)).ok).toBe(true);
    await r.close();
  });
});
