import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/kernel/clock.js';
import type { Tokens } from '../../../src/security/token-service.js';
import { cacheVerifiedTokens } from '../../../src/security/verified-token-cache.js';

/** A token service whose tokens expire `ttlMs` after they are verified. */
function shortLivedTokens(ttlMs: number): Tokens {
  return {
    issue: () => Promise.reject(new Error('not used')),
    verify: async (token) => ({ principalId: 'alice', jti: token, expiresAt: Date.now() + ttlMs }),
  };
}

describe('verified tokens on the system clock (read once per burst of microtasks)', () => {
  it('serves a token from the cache until it expires, and not after, however the calls are grouped', async () => {
    const tokens = cacheVerifiedTokens(shortLivedTokens(40), systemClock);
    await tokens.verify('t1');
    // One burst: every call in it agrees.
    expect([tokens.verifyCached?.('t1'), tokens.verifyCached?.('t1')].every((v) => v?.jti === 't1')).toBe(true);
    await sleep(80);
    // A later burst reads the clock again: the token has expired.
    expect(tokens.verifyCached?.('t1')).toBeUndefined();
    await Promise.resolve();
    expect(tokens.verifyCached?.('t1')).toBeUndefined();
  });

  it('a reading is not kept past the microtasks that were waiting when it was made', async () => {
    const tokens = cacheVerifiedTokens(shortLivedTokens(20), systemClock);
    await tokens.verify('t2');
    expect(tokens.verifyCached?.('t2')?.jti).toBe('t2'); // the clock read now, in this burst
    // A timer lets real time pass: the next call is in another burst and sees the token expired.
    await sleep(40);
    expect(tokens.verifyCached?.('t2')).toBeUndefined();
  });
});
