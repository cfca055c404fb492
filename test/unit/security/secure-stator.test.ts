import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatorCache } from '../../../src/cache/types.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StatorDb } from '../../../src/database/database-api.js';
import { CapabilityUnavailableError } from '../../../src/errors/capability-unavailable-error.js';
import type { StatorFs } from '../../../src/filesystem/filesystem-api.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';
import { hashPassword } from '../../../src/security/password-hash.js';
import { secureStator } from '../../../src/security/secure-stator.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'stator-secure-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('secureStator', () => {
  it('works on a Stator without filesystem and database: the audit log stays under base_path, a db call fails clearly', async () => {
    const config = loadConfig({
      filesystem: { base_path: base },
      security: {
        principals: { alice: { password_hash: await hashPassword('pw', { N: 1024 }), roles: ['r'] } },
        roles: { r: { permissions: ['db:read:*'] } },
      },
    });
    const context = createRuntimeContext({
      config,
      clock: new TestClock(Date.UTC(2025, 0, 1)),
      logger: createLogger({ silent: true }),
    });
    const missing = (what: string) => (): never => {
      throw new CapabilityUnavailableError(what, 'removed for this test');
    };
    const stator = {
      context,
      cache: {} as StatorCache,
      get fs(): StatorFs {
        return missing('fs')();
      },
      get db(): StatorDb {
        return missing('db')();
      },
    };
    const { auth, as, security } = secureStator(stator);
    await security.ready();
    const { token } = await auth.authenticate({ username: 'alice', password: 'pw' });
    expect(security.audit.file).toBe(join(base, 'logs', 'audit.jsonl'));
    expect(await readFile(security.audit.file, 'utf8')).toContain('"who":"alice"');
    // As with stator.db itself, reaching a capability that does not run throws at once.
    expect(() => as(token).db.knex).toThrow(CapabilityUnavailableError);
  });
});
