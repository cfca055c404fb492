import { describe, expect, it } from 'vitest';
import type { StatorCache } from '../../../src/cache/types.js';
import type { AccessCheck } from '../../../src/security/access-check.js';
import { guardCache } from '../../../src/security/guarded-cache.js';

/** An access check that records which keys reached the permission check and which were refused before it. */
function recordingCheck(): { check: AccessCheck; checked: string[]; refused: string[] } {
  const checked: string[] = [];
  const refused: string[] = [];
  const check = Object.assign(async () => ({ id: 'p', roles: [], attributes: {} }), {
    run: <A, R>(_resource: string, _action: string, scope: unknown, op: (arg: A) => Promise<R>, arg: A) => {
      checked.push(String(scope));
      return op(arg);
    },
    refused: (request: { scope: unknown }): Promise<never> => {
      refused.push(String(request.scope));
      return Promise.reject(new Error('refused'));
    },
  }) as unknown as AccessCheck;
  return { check, checked, refused };
}

const cache = { get: async () => undefined } as unknown as StatorCache;

describe("guarded cache: keys naming Stator's hashed Memcached form (stator:h:) after cache.key_prefix", () => {
  it.each([
    // [key_prefix, key, refused]
    ['', 'stator:h:abc', true],
    ['', 'stator:hx', false],
    ['stator:', 'h:abc', true],
    ['stator:', 'abc', false],
    ['stat', 'or:h:1', true],
    ['app:', 'stator:h:abc', false],
    ['stator:h:', 'anything', true],
    ['stator:h:x', 'y', true],
  ] as const)('key_prefix %j, key %j: refused %s', async (prefix, key, refused) => {
    const r = recordingCheck();
    const guarded = guardCache(() => cache, r.check, { keyPrefix: prefix });
    await guarded.get(key).catch(() => undefined);
    // The rule it keeps: refused exactly when the stored key (prefix + key) begins with the form.
    expect(`${prefix}${key}`.startsWith('stator:h:')).toBe(refused);
    expect(r.refused).toEqual(refused ? [key] : []);
    expect(r.checked).toEqual(refused ? [] : [key]);
  });
});
