import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const CACHES = {
  memory: { driver: 'memory' as const },
  redis: { driver: 'redis' as const, port: 6379, key_prefix: 'contracts-test:' },
  memcached: { driver: 'memcached' as const, port: 11211, key_prefix: 'contracts-test:' },
};

function make(cache: (typeof CACHES)[keyof typeof CACHES]): Stator {
  const dir = mkdtempSync(join(tmpdir(), 'stator-contracts-'));
  dirs.push(dir);
  return createStator({ config: { cache, filesystem: { base_path: dir } }, logger: createLogger({ silent: true }) });
}

/** Every capability call refuses with CAPABILITY_UNAVAILABLE and a reason that says why. */
async function expectClosed(stator: Stator, reason: RegExp): Promise<void> {
  const calls: Array<[string, () => unknown]> = [
    ['cache.set', () => stator.cache.set('k', 1)],
    ['cache.get', () => stator.cache.get('k')],
    ['cache.invalidate', () => stator.cache.invalidate({ keys: ['k'] })],
    ['fs.writeFile', () => stator.fs.writeFile('a.txt', 'x')],
    ['fs.readFile', () => stator.fs.readFile('a.txt')],
    ['db.transaction', () => stator.db.transaction(async () => 1)],
    ['db.read', () => stator.db.read('k', (knex) => knex.raw('select 1'))],
  ];
  for (const [name, call] of calls) {
    let error: unknown;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    expect({ name, error }).toMatchObject({
      name,
      error: { code: 'CAPABILITY_UNAVAILABLE', message: expect.stringMatching(reason) },
    });
  }
}

describe('capabilities refuse calls before start() and after stop(), on every cache driver', () => {
  for (const [driver, cache] of Object.entries(CACHES)) {
    it(`${driver}: CAPABILITY_UNAVAILABLE before start, working while started, CAPABILITY_UNAVAILABLE after stop`, async () => {
      const stator = make(cache);
      await expectClosed(stator, /start\(\) has not been called/);
      await stator.start();
      await stator.cache.set('k', 1);
      expect(await stator.cache.get('k')).toBe(1);
      await stator.fs.writeFile('a.txt', 'x');
      expect((await stator.db.transaction(async (trx) => trx.raw('select 1 as one'))).attempts).toBe(1);
      await stator.cache.delete('k');
      await stator.stop();
      await expectClosed(stator, /was stopped/);
    });
  }
});
