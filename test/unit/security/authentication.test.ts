import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { isAuthenticationFailedError } from '../../../src/errors/authentication-failed-error.js';
import { isRateLimitedError } from '../../../src/errors/rate-limited-error.js';
import { isTokenInvalidError, type TokenInvalidError } from '../../../src/errors/token-invalid-error.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import type { AuditEntry } from '../../../src/security/audit-entry.js';
import { generateApiKey, hashApiKey } from '../../../src/security/api-key.js';
import { createSecurity } from '../../../src/security/create-security.js';
import { hashPassword, verifyPassword } from '../../../src/security/password-hash.js';
import type { Security } from '../../../src/security/security.js';
import { verifyAuditLog } from '../../../src/security/verify-audit-log.js';

const SECRET = 'unit-test-jwt-secret-0123456789-abcdef';
const START = Date.UTC(2025, 0, 15, 12, 0);
let base: string;
let alicePw: string;
let ciKey: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'stator-auth-'));
  alicePw = await hashPassword('alice-correct-horse', { N: 1024 });
  ciKey = generateApiKey('ci-bot');
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function setup(
  name: string,
  jwt: Record<string, unknown> = { secret: SECRET, ttl: 600 },
): Promise<{ security: Security; clock: TestClock; auditFile: string }> {
  const clock = new TestClock(START);
  const config = loadConfig({
    filesystem: { base_path: join(base, name) },
    security: {
      principals: {
        alice: { password_hash: alicePw, roles: ['reader'] },
        'ci-bot': { key_hashes: [hashApiKey(ciKey)], roles: ['reader'] },
        mallory: { password_hash: alicePw, roles: ['reader'], disabled: true },
      },
      roles: { reader: { permissions: ['cache:read:*'] } },
      jwt,
      login: { max_failures: 3, max_failures_per_source: 5, window: 60, lockout: 300 },
    },
  });
  const ctx = createRuntimeContext({ config, clock, logger: createLogger({ silent: true }) });
  const security = await createSecurity(ctx);
  return { security, clock, auditFile: join(base, name, 'logs', 'audit.jsonl') };
}

async function auditEntries(file: string): Promise<AuditEntry[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

async function refusedToken(security: Security, token: string): Promise<TokenInvalidError> {
  const error = await security.auth.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTokenInvalidError(error)).toBe(true);
  return error as TokenInvalidError;
}

describe('passwords and API keys', () => {
  it('hashes with scrypt and verifies in constant time; a malformed hash verifies nothing', async () => {
    expect(alicePw).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('alice-correct-horse', alicePw)).toBe(true);
    expect(await verifyPassword('alice-correct-hors', alicePw)).toBe(false);
    expect(await verifyPassword('x', 'scrypt$nope')).toBe(false);
    expect(await hashPassword('same', { N: 1024 })).not.toBe(await hashPassword('same', { N: 1024 }));
  });
});

describe('authentication', () => {
  it('issues a token for a correct password and for an API key, and audits both', async () => {
    const { security, auditFile } = await setup('login');
    const byPassword = await security.auth.authenticate({
      username: 'alice',
      password: 'alice-correct-horse',
      source: '10.0.0.1',
    });
    expect(byPassword.principal).toMatchObject({ id: 'alice', roles: ['reader'] });
    expect((await security.auth.verify(byPassword.token)).id).toBe('alice');
    const byKey = await security.auth.authenticate({ apiKey: ciKey });
    expect((await security.auth.verify(byKey.token)).id).toBe('ci-bot');
    const entries = await auditEntries(auditFile);
    expect(entries.map((e) => [e.who, e.action, e.decision])).toEqual([
      ['alice', 'auth.password', 'allow'],
      ['ci-bot', 'auth.api_key', 'allow'],
    ]);
    expect(entries[0]?.reason).toContain('from 10.0.0.1');
    const text = await readFile(auditFile, 'utf8');
    expect(text).not.toContain(byPassword.token);
    expect(text).not.toContain('alice-correct-horse');
    expect(text).not.toContain(ciKey);
  });

  it('refuses wrong passwords, unknown principals, wrong and malformed API keys and disabled principals with one message, auditing why', async () => {
    const { security, auditFile } = await setup('refuse');
    const attempts = [
      { username: 'alice', password: 'wrong', source: 'a' },
      { username: 'nobody', password: 'x', source: 'b' },
      { username: 'mallory', password: 'alice-correct-horse', source: 'c' },
      { apiKey: generateApiKey('ci-bot'), source: 'd' },
      { apiKey: 'not-a-key', source: 'e' },
    ];
    const messages = new Set<string>();
    for (const a of attempts) {
      const e = await security.auth.authenticate(a).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isAuthenticationFailedError(e)).toBe(true);
      messages.add((e as Error).message);
    }
    expect(messages.size).toBe(1);
    const reasons = (await auditEntries(auditFile)).map((e) => `${e.who} ${e.decision} ${e.reason}`);
    expect(reasons).toEqual([
      'alice deny wrong password from a',
      'nobody deny unknown principal from b',
      'mallory deny principal disabled from c',
      'ci-bot deny unknown API key from d',
      'anonymous deny malformed API key from e',
    ]);
  });

  it('locks a principal out after max_failures, refusing even the right password, and lets it in after the lockout', async () => {
    const { security, clock, auditFile } = await setup('brute');
    for (let i = 0; i < 3; i++) {
      await expect(security.auth.authenticate({ username: 'alice', password: `guess-${i}` })).rejects.toSatisfy(
        isAuthenticationFailedError,
      );
    }
    const locked = await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRateLimitedError(locked)).toBe(true);
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', limit: 'principal', retryAfterMs: 300_000 });
    const entries = await auditEntries(auditFile);
    expect(entries.at(-1)).toMatchObject({
      who: 'alice',
      decision: 'deny',
      reason: expect.stringContaining('rate limited: principal locked out for 300 s'),
    });
    await clock.advance(299_000);
    await expect(security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' })).rejects.toSatisfy(
      isRateLimitedError,
    );
    await clock.advance(1_000);
    expect(
      (await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' })).principal.id,
    ).toBe('alice');
    expect((await verifyAuditLog(auditFile)).ok).toBe(true);
  });

  it('locks a source out after guessing many names', async () => {
    const { security } = await setup('spray');
    for (let i = 0; i < 5; i++) {
      await expect(
        security.auth.authenticate({ username: `user${i}`, password: 'x', source: '10.6.6.6' }),
      ).rejects.toSatisfy(isAuthenticationFailedError);
    }
    await expect(
      security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse', source: '10.6.6.6' }),
    ).rejects.toMatchObject({ code: 'RATE_LIMITED', limit: 'source' });
    expect(
      (await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse', source: '10.0.0.2' }))
        .principal.id,
    ).toBe('alice');
  });

  it('failures outside the window do not add up', async () => {
    const { security, clock } = await setup('window');
    for (let i = 0; i < 2; i++)
      await expect(security.auth.authenticate({ username: 'alice', password: 'no' })).rejects.toSatisfy(
        isAuthenticationFailedError,
      );
    await clock.advance(61_000);
    await expect(security.auth.authenticate({ username: 'alice', password: 'no' })).rejects.toSatisfy(
      isAuthenticationFailedError,
    );
    expect(
      (await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' })).principal.id,
    ).toBe('alice');
  });
});

describe('token attacks: each refused and audited', () => {
  it('an expired token', async () => {
    const { security, clock, auditFile } = await setup('expired');
    const { token } = await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' });
    await clock.advance(600_000);
    expect((await refusedToken(security, token)).reason).toBe('expired');
    expect((await auditEntries(auditFile)).at(-1)).toMatchObject({
      who: 'anonymous',
      action: 'auth.token',
      decision: 'deny',
      reason: 'token refused: expired',
    });
  });

  it('a token not valid yet, from another issuer, or for another audience', async () => {
    const { security } = await setup('claims');
    const key = new TextEncoder().encode(SECRET);
    const now = Math.floor(START / 1000);
    const make = (iss: string, aud: string, nbf: number): Promise<string> =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setJti('j1')
        .setIssuedAt(now)
        .setNotBefore(nbf)
        .setExpirationTime(now + 600)
        .setIssuer(iss)
        .setAudience(aud)
        .sign(key);
    expect((await refusedToken(security, await make('stator', 'stator', now + 60))).reason).toBe('not yet valid');
    expect((await refusedToken(security, await make('evil', 'stator', now))).reason).toBe('wrong issuer');
    expect((await refusedToken(security, await make('stator', 'other', now))).reason).toBe('wrong audience');
    expect((await security.auth.verify(await make('stator', 'stator', now))).id).toBe('alice');
  });

  it('a tampered token (payload changed to another principal)', async () => {
    const { security, auditFile } = await setup('tampered');
    const { token } = await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = decodeJwt(token);
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'ci-bot' })).toString('base64url');
    expect((await refusedToken(security, `${header}.${forged}.${signature}`)).reason).toBe('bad signature');
    expect(payload).not.toBe(forged);
    expect((await auditEntries(auditFile)).at(-1)).toMatchObject({
      action: 'auth.token',
      decision: 'deny',
      reason: 'token refused: bad signature',
    });
  });

  it('a token signed with another secret', async () => {
    const { security } = await setup('wrongkey');
    const now = Math.floor(START / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti('x')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .setIssuer('stator')
      .setAudience('stator')
      .sign(new TextEncoder().encode('another-secret-of-enough-length-123456'));
    expect((await refusedToken(security, token)).reason).toBe('bad signature');
  });

  it('alg: none', async () => {
    const { security, auditFile } = await setup('none');
    const now = Math.floor(START / 1000);
    const token = new UnsecuredJWT({})
      .setSubject('alice')
      .setJti('n')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .setIssuer('stator')
      .setAudience('stator')
      .encode();
    expect(token.split('.')[2]).toBe('');
    expect((await refusedToken(security, token)).reason).toBe('algorithm not allowed');
    expect((await auditEntries(auditFile)).at(-1)).toMatchObject({
      decision: 'deny',
      reason: 'token refused: algorithm not allowed',
    });
  });

  it('an algorithm that is not the configured one (HS256 token against an EdDSA configuration, signed with its public key)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const { security } = await setup('confusion', { algorithm: 'EdDSA', private_key: privateKey, ttl: 600 });
    const good = await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' });
    expect((await security.auth.verify(good.token)).id).toBe('alice');
    const now = Math.floor(START / 1000);
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti('c')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .setIssuer('stator')
      .setAudience('stator')
      .sign(new TextEncoder().encode(publicKey));
    expect((await refusedToken(security, confused)).reason).toBe('algorithm not allowed');
  });

  it('replay after revocation', async () => {
    const { security, auditFile } = await setup('revoked');
    const { token, jti } = await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' });
    expect((await security.auth.verify(token)).id).toBe('alice');
    await security.auth.revoke(token);
    expect((await refusedToken(security, token)).reason).toBe('revoked');
    const entries = await auditEntries(auditFile);
    expect(entries.at(-2)).toMatchObject({
      who: 'alice',
      action: 'auth.revoke',
      decision: 'allow',
      reason: `token ${jti} revoked`,
    });
    expect(entries.at(-1)).toMatchObject({
      who: 'alice',
      action: 'auth.token',
      decision: 'deny',
      reason: 'token refused: revoked',
    });
    // a fresh login still works
    expect(
      (
        await security.auth.verify(
          (await security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' })).token,
        )
      ).id,
    ).toBe('alice');
  });

  it('a garbage token', async () => {
    const { security } = await setup('garbage');
    expect((await refusedToken(security, 'not.a.jwt')).reason).toBe('malformed');
  });

  it('without a configured secret, tokens use a per-process random secret', async () => {
    const a = await setup('ephemeral-a', {});
    const b = await setup('ephemeral-b', {});
    const { token } = await a.security.auth.authenticate({ username: 'alice', password: 'alice-correct-horse' });
    expect((await a.security.auth.verify(token)).id).toBe('alice');
    expect((await refusedToken(b.security, token)).reason).toBe('bad signature');
  });
});
