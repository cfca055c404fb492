import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED, SecretRegistry } from '../../../src/logging/redact.js';

describe('isSecretKey', () => {
  it.each([
    'password',
    'PASSWORD',
    'db_password',
    'passwd',
    'passphrase',
    'secret',
    'client_secret',
    'token',
    'accessToken',
    'api_key',
    'apiKey',
    'authorization',
    'credentials',
    'private_key',
    'cookie',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));
  it.each(['password_file', 'passwordFile', 'host', 'user', 'username', 'port', 'key_prefix', 'passes'])(
    '%s is not secret',
    (key) => expect(isSecretKey(key)).toBe(false),
  );
});

describe('SecretRegistry', () => {
  it('replaces every registered value, longest first', () => {
    const registry = new SecretRegistry();
    registry.add('abcd');
    registry.add('abcdef-long');
    expect(registry.scrub('x abcdef-long y abcd z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('ignores values too short to scrub safely, and non-strings', () => {
    const registry = new SecretRegistry();
    registry.add('abc');
    registry.add(12345);
    expect(registry.scrub('abc 12345')).toBe('abc 12345');
  });

  it('treats regex characters in secrets literally', () => {
    const registry = new SecretRegistry();
    registry.add('p@$$w0rd.*');
    expect(registry.scrub('login p@$$w0rd.* ok; p@$$w0rdXX')).toBe(`login ${REDACTED} ok; p@$$w0rdXX`);
  });

  it('masks URL credentials', () => {
    expect(new SecretRegistry().scrub('postgres://app:pw@db/x and redis://:pw2@c:6379')).toBe(
      `postgres://app:${REDACTED}@db/x and redis://:${REDACTED}@c:6379`,
    );
  });

  it('redacts deep copies with cycles, keeping Dates and Buffers', () => {
    const registry = new SecretRegistry();
    registry.add('s3cr3t-value');
    const when = new Date(0);
    const value: Record<string, unknown> = {
      a: { password: 'x', note: 'has s3cr3t-value' },
      when,
      buf: Buffer.from('b'),
    };
    value.self = value;
    const out = registry.redact(value);
    expect(out.a).toEqual({ password: REDACTED, note: `has ${REDACTED}` });
    expect(out.when).toBe(when);
    expect(out.self).toBe(out);
    expect(value.a).toEqual({ password: 'x', note: 'has s3cr3t-value' });
  });

  it('masks JSON Web Tokens by shape, without registering each one', async () => {
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('k'.repeat(32)));
    expect(new SecretRegistry().scrub(`bearer ${token} used`)).toBe(`bearer ${REDACTED} used`);
    expect(new SecretRegistry().scrub('eyJ is not a token')).toBe('eyJ is not a token');
  });
});
