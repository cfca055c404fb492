import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAccessDeniedError } from '../../../src/errors/access-denied-error.js';
import { isStartupError } from '../../../src/errors/startup-error.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import { hashPassword } from '../../../src/security/password-hash.js';

// stator.auth and stator.as(...) on the embedded default (memory cache, SQLite file, real files).
describe('security on the Stator object', () => {
  let base: string;
  let stator: Stator;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'stator-runtime-security-'));
    stator = createStator({
      config: {
        filesystem: { base_path: base, required_dirs: ['logs', 'uploads'] },
        http: { enabled: false },
        security: {
          principals: { carol: { password_hash: await hashPassword('carol-pw', { N: 1024 }), roles: ['uploader'] } },
          roles: { uploader: { permissions: ['fs:write:uploads/**', 'cache:read:*'] } },
          jwt: { secret: 'runtime-security-test-secret-0123456789', ttl: 60 },
        },
      },
      logger: { silent: true },
    });
    await stator.start();
  });

  afterAll(async () => {
    await stator.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('authenticates, then allows what the role grants and refuses the rest without touching it', async () => {
    const { token } = await stator.auth.authenticate({ username: 'carol', password: 'carol-pw', source: '10.0.0.1' });
    const carol = stator.as(token, { source: '10.0.0.1' });
    await carol.fs.writeFile('uploads/a.txt', 'hello');
    expect(await readFile(join(base, 'uploads', 'a.txt'), 'utf8')).toBe('hello');

    const error = await carol.fs.writeFile('logs/forged.txt', 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAccessDeniedError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('fs:write:logs/forged.txt');
    await expect(stator.fs.stat('logs/forged.txt')).rejects.toThrow();

    await stator.cache.set('k', 'v');
    const cacheWrite = await carol.cache.set('k', 'changed').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAccessDeniedError(cacheWrite)).toBe(true);
    expect(await stator.cache.get('k')).toBe('v');
  });

  it('a security key that cannot be used fails the start with a StartupError, before any resource', async () => {
    const other = await mkdtemp(join(tmpdir(), 'stator-runtime-security-bad-'));
    const bad = createStator({
      config: {
        filesystem: { base_path: other },
        http: { enabled: false },
        security: { jwt: { algorithm: 'EdDSA', public_key: 'not a PEM key' } },
      },
      logger: { silent: true },
    });
    const error = await bad.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStartupError(error)).toBe(true);
    expect((error as Error).message).toMatch(/security/);
    expect(bad.health().resources.database?.state).not.toBe('ready');
    await bad.stop();
    await rm(other, { recursive: true, force: true });
  });
});
