import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { isAuthenticationFailedError } from '../../../src/errors/authentication-failed-error.js';
import { isRateLimitedError } from '../../../src/errors/rate-limited-error.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { AuditEntry } from '../../../src/security/audit-entry.js';
import { generateApiKey, hashApiKey } from '../../../src/security/api-key.js';
import { createSecurity } from '../../../src/security/create-security.js';
import { hashPassword } from '../../../src/security/password-hash.js';
import type { Security } from '../../../src/security/security.js';

let base: string;
let hash: string;
const key = generateApiKey('alice');

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'stator-limiter-'));
  hash = await hashPassword('right-password', { N: 1024 });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function setup(name: string): Promise<{ security: Security; entries: () => Promise<AuditEntry[]> }> {
  const config = loadConfig({
    filesystem: { base_path: join(base, name) },
    security: {
      principals: { alice: { password_hash: hash, key_hashes: [hashApiKey(key)] } },
      jwt: { secret: 'limiter-test-secret-0123456789-abcdef' },
      login: { max_failures: 5, max_failures_per_source: 100, window: 60, lockout: 300 },
    },
  });
  const ctx = createRuntimeContext({
    config,
    clock: new TestClock(Date.UTC(2026, 0, 1)),
    logger: createLogger({ silent: true }),
  });
  const security = createSecurity(ctx);
  await security.ready();
  const entries = async (): Promise<AuditEntry[]> => {
    await security.audit.drain();
    return (await readFile(join(base, name, 'logs', 'audit.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEntry);
  };
  return { security, entries };
}

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) =>
      isRateLimitedError(e) ? 'limited' : isAuthenticationFailedError(e) ? 'failed' : `other: ${String(e)}`,
  );

describe('login limiter: a slot is reserved before the password is checked', () => {
  it('60 concurrent wrong passwords: only max_failures are verified, the rest are refused unverified', async () => {
    const { security, entries } = await setup('sixty');
    const results = await Promise.all(
      Array.from({ length: 60 }, () => outcome(security.auth.authenticate({ username: 'alice', password: 'wrong' }))),
    );
    expect(results.filter((r) => r === 'failed')).toHaveLength(5);
    expect(results.filter((r) => r === 'limited')).toHaveLength(55);
    const reasons = (await entries()).map((e) => e.reason);
    expect(reasons.filter((r) => r === 'wrong password')).toHaveLength(5);
    expect(reasons.filter((r) => r.startsWith('rate limited'))).toHaveLength(55);
  });

  it('a burst of 30 wrong passwords with the right one among them cannot log in past the limit', async () => {
    const { security } = await setup('burst');
    const attempts = Array.from({ length: 30 }, () =>
      outcome(security.auth.authenticate({ username: 'alice', password: 'wrong' })),
    );
    const right = outcome(security.auth.authenticate({ username: 'alice', password: 'right-password' }));
    const results = await Promise.all(attempts);
    expect(await right).toBe('limited');
    expect(results.filter((r) => r === 'failed')).toHaveLength(5);
  });

  it('bad API keys do not lock out the password, and bad passwords do not lock out the API key', async () => {
    const { security } = await setup('buckets');
    const badKeys = await Promise.all(
      Array.from({ length: 60 }, () => outcome(security.auth.authenticate({ apiKey: `${key.slice(0, -4)}AAAA` }))),
    );
    expect(badKeys.filter((r) => r === 'failed')).toHaveLength(5);
    expect(await outcome(security.auth.authenticate({ username: 'alice', password: 'right-password' }))).toBe('ok');
    await Promise.all(
      Array.from({ length: 10 }, () => outcome(security.auth.authenticate({ username: 'alice', password: 'wrong' }))),
    );
    expect(await outcome(security.auth.authenticate({ username: 'alice', password: 'right-password' }))).toBe(
      'limited',
    );
    expect(await outcome(security.auth.authenticate({ apiKey: key }))).toBe('limited'); // the key bucket is still locked from its own failures
  });

  it('a right password inside the limit logs in and frees its slot', async () => {
    const { security } = await setup('right');
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => outcome(security.auth.authenticate({ username: 'alice', password: 'wrong' }))),
      outcome(security.auth.authenticate({ username: 'alice', password: 'right-password' })),
    ]);
    expect(results).toEqual(['failed', 'failed', 'failed', 'failed', 'ok']);
    expect(await outcome(security.auth.authenticate({ username: 'alice', password: 'right-password' }))).toBe('ok');
  });

  it('a non-string or oversized user name fails as AUTHENTICATION_FAILED, audited without the input', async () => {
    const { security, entries } = await setup('malformed');
    for (const username of [42, { $ne: null }, ['alice'], 'x'.repeat(64_000)]) {
      const error = await security.auth.authenticate({ username, password: 'x' } as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    }
    const malformed = (await entries()).filter((e) => e.reason.startsWith('malformed credentials'));
    expect(malformed).toHaveLength(4);
    expect(malformed.every((e) => e.who === 'anonymous' && e.resource.length < 100)).toBe(true);
  });
});
