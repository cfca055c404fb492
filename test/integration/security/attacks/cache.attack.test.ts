/**
 * Attacks on the guarded cache on memory, Redis and Memcached: another principal's keys, Stator's
 * internal key forms (hashed Memcached keys, fallback and tag entries), arguments changed after
 * the call started, over-reaching globs and templates, oversized keys. Each case asserts the
 * denial (or that only what was checked ran), that nothing of the protected values came back, and
 * that every protected entry is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memcachedKey } from '../../../../src/cache/drivers/memcached-key.js';
import { FALLBACK_NAMESPACE } from '../../../../src/cache/cache-as-fallback.js';
import { TAG_NAMESPACE } from '../../../../src/cache/tag-key.js';
import { isAccessDeniedError } from '../../../../src/errors/access-denied-error.js';
import type { GuardedAccess } from '../../../../src/security/guard-access.js';
import { removeBase, startRig, tempBase, type SecuredRig } from '../fixture.js';

const RUN = `${process.pid}`;
const SECRET = 'BOB-CART-SECRET-91c2';
const BOB = `user:bob:cart-${RUN}`;
const BOB_SPACE = `user:bob:has space ${RUN}`;
const ALICEBOB = `user:alicebob:cart-${RUN}`;
const FALLBACK = `db:orders-${RUN}`;
type Driver = 'memory' | 'redis' | 'memcached';

interface Attack {
  readonly name: string;
  readonly who: 'alice' | 'ops' | 'colon';
  readonly expect?: 'denied' | 'checked';
  run(as: GuardedAccess): Promise<unknown>;
}

const ATTACKS: readonly Attack[] = [
  { name: "get another principal's key", who: 'alice', run: (as) => as.cache.get(BOB) },
  { name: "has another principal's key", who: 'alice', run: (as) => as.cache.has(BOB) },
  { name: "set another principal's key", who: 'alice', run: (as) => as.cache.set(BOB, 'overwritten') },
  { name: "delete another principal's key", who: 'alice', run: (as) => as.cache.delete(BOB) },
  {
    name: 'getMany mixing own and foreign keys',
    who: 'alice',
    run: (as) => as.cache.getMany([`user:alice:a-${RUN}`, BOB]),
  },
  {
    name: 'setMany mixing own and foreign keys',
    who: 'alice',
    run: (as) =>
      as.cache.setMany<unknown>([
        { key: `user:alice:a-${RUN}`, value: 1 },
        { key: BOB, value: 'x' },
      ]),
  },
  { name: "getOrSet another principal's key", who: 'alice', run: (as) => as.cache.getOrSet(BOB, () => 'loaded') },
  { name: "invalidate another principal's key", who: 'alice', run: (as) => as.cache.invalidate({ keys: [BOB] }) },
  { name: 'invalidate by tag', who: 'alice', run: (as) => as.cache.invalidate({ tags: ['bob'] }) },
  { name: 'invalidate by prefix', who: 'alice', run: (as) => as.cache.invalidate({ prefix: 'user:bob:' }) },
  { name: 'glob user:alice* reaching user:alicebob:…', who: 'alice', run: (as) => as.cache.get(ALICEBOB) },
  {
    name: 'getMany keys changed after the call started',
    who: 'alice',
    expect: 'checked',
    run: async (as) => {
      const keys = [`user:alice:a-${RUN}`];
      const running = as.cache.getMany(keys);
      keys[0] = BOB;
      return running;
    },
  },
  {
    name: 'setMany entry changed after the call started',
    who: 'alice',
    expect: 'checked',
    run: async (as) => {
      const entries = [{ key: `user:alice:b-${RUN}`, value: 'mine' }];
      const running = as.cache.setMany(entries);
      entries[0]!.key = BOB;
      return running;
    },
  },
  {
    name: 'invalidate keys changed after the call started',
    who: 'alice',
    expect: 'checked',
    run: async (as) => {
      const keys = [`user:alice:c-${RUN}`];
      const running = as.cache.invalidate({ keys });
      keys[0] = BOB;
      return running;
    },
  },
  { name: "Memcached's hashed form of a denied key", who: 'ops', run: (as) => as.cache.get(memcachedKey(BOB_SPACE)) },
  { name: 'the fallback namespace', who: 'ops', run: (as) => as.cache.get(`${FALLBACK_NAMESPACE}${FALLBACK}`) },
  { name: 'the tag namespace', who: 'ops', run: (as) => as.cache.get(`${TAG_NAMESPACE}bob`) },
  {
    name: 'overwrite a fallback entry',
    who: 'alice',
    run: (as) => as.cache.set(`${FALLBACK_NAMESPACE}${FALLBACK}`, { v: 'poisoned' }),
  },
  { name: 'a denied key as read by ops', who: 'ops', run: (as) => as.cache.get(BOB) },
  { name: 'a deeper key under a deny', who: 'ops', run: (as) => as.cache.get(`${BOB}:items`) },
  { name: 'the denied key with a space', who: 'ops', run: (as) => as.cache.get(BOB_SPACE) },
  { name: 'a 64k-character key', who: 'alice', run: (as) => as.cache.get(`user:alice:${'x'.repeat(64_000)}`) },
  { name: 'a key that is not a string', who: 'alice', run: (as) => as.cache.get(42 as unknown as string) },
  { name: 'a principal id holding the separator', who: 'colon', run: (as) => as.cache.get(BOB) },
];

const isDenied = (e: unknown): boolean => isAccessDeniedError(e);

describe.each(['memory', 'redis', 'memcached'] as const)('cache attacks (%s)', (driver: Driver) => {
  let rig: SecuredRig;
  let base: string;
  const who: Record<Attack['who'], GuardedAccess> = {} as Record<Attack['who'], GuardedAccess>;

  const snapshot = async (): Promise<unknown> => ({
    bob: await rig.cache.get(BOB),
    space: await rig.cache.get(BOB_SPACE),
    alicebob: await rig.cache.get(ALICEBOB),
    deep: await rig.cache.get(`${BOB}:items`),
  });

  beforeAll(async () => {
    base = await tempBase(`cacheatk-${driver}`);
    rig = await startRig({
      filesystem: { base_path: base, required_dirs: ['logs'] },
      // No key_prefix: the hashed Memcached form is then reachable by name, as in the report.
      cache:
        driver === 'memory'
          ? { driver }
          : { driver, host: '127.0.0.1', port: driver === 'redis' ? 6379 : 11211, default_ttl: 300 },
      security: {
        roles: {
          own: { permissions: ['cache:*:user:${principal.id}:*'] },
          ops: { permissions: ['cache:read:**', '!cache:read:user:bob:*'] },
        },
      },
    });
    for (const key of [BOB, BOB_SPACE, ALICEBOB, `${BOB}:items`]) await rig.cache.set(key, { v: SECRET });
    who.alice = rig.as({ id: 'alice', roles: ['own'], attributes: {} });
    who.ops = rig.as({ id: 'ops', roles: ['ops'], attributes: {} });
    who.colon = rig.as({ id: 'bob:cart', roles: ['own'], attributes: {} });
  });

  afterAll(async () => {
    for (const key of [
      BOB,
      BOB_SPACE,
      ALICEBOB,
      `${BOB}:items`,
      `user:alice:a-${RUN}`,
      `user:alice:b-${RUN}`,
      `user:alice:c-${RUN}`,
    ])
      await rig?.cache.delete(key).catch(() => undefined);
    await rig?.stop();
    await removeBase(base);
  });

  it.each(ATTACKS.map((a) => [a.name, a] as const))('%s', async (_name, attack) => {
    const before = await snapshot();
    const outcome = await attack.run(who[attack.who]).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if ((attack.expect ?? 'denied') === 'denied') {
      expect(
        'error' in outcome && isDenied(outcome.error),
        `expected a denial, got ${'value' in outcome ? JSON.stringify(outcome.value) : String(outcome.error)}`,
      ).toBe(true);
    }
    const shown =
      'value' in outcome
        ? JSON.stringify(outcome.value ?? null)
        : `${String((outcome.error as Error)?.message)}${JSON.stringify(outcome.error)}`;
    expect(shown).not.toContain(SECRET);
    expect(await snapshot()).toEqual(before);
    expect((before as { bob: unknown }).bob).toEqual({ v: SECRET });
  });

  it('lets a principal use its own keys', async () => {
    await who.alice.cache.set(`user:alice:a-${RUN}`, 'mine');
    expect(await who.alice.cache.get(`user:alice:a-${RUN}`)).toBe('mine');
  });
});
