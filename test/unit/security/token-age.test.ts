import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../src/kernel/clock.js';
import { TokenService } from '../../../src/security/token-service.js';

const SECRET = 'token-age-test-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 0, 1) / 1000;
const DAY = 86_400;

async function signed(iat: number, exp: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setJti(`j${iat}-${exp}`)
    .setIssuedAt(iat)
    .setNotBefore(Math.min(iat, NOW))
    .setExpirationTime(exp)
    .setIssuer('stator')
    .setAudience('stator')
    .sign(new TextEncoder().encode(SECRET));
}

describe('token age (security.jwt.max_age, iat)', () => {
  const clock = new TestClock(NOW * 1000);
  const service = TokenService.create(
    {
      algorithm: 'HS256',
      secret: SECRET,
      ttl: 900,
      issuer: 'stator',
      audience: 'stator',
      clockTolerance: 30,
      maxAge: DAY,
    },
    clock,
  );
  const reason = async (token: string): Promise<unknown> =>
    (await service).verify(token).then(
      () => 'accepted',
      (e: { reason?: string }) => e.reason,
    );

  it('accepts a token within its age', async () => {
    expect(await reason(await signed(NOW - 60, NOW + 840))).toBe('accepted');
    expect(await reason(await signed(NOW + 20, NOW + 900))).toBe('accepted'); // iat within the 30 s tolerance
  });
  it('refuses a token whose exp lies 100 years ahead', async () => {
    expect(await reason(await signed(NOW, NOW + 100 * 365 * DAY))).toBe('lifetime longer than security.jwt.max_age');
  });
  it('refuses a token issued 10 years in the future', async () => {
    expect(await reason(await signed(NOW + 10 * 365 * DAY, NOW + 10 * 365 * DAY + 900))).toBe('issued in the future');
  });
  it('refuses a token issued beyond the tolerance in the future', async () => {
    expect(await reason(await signed(NOW + 120, NOW + 900))).toBe('issued in the future');
  });
  it('refuses a token issued longer ago than max_age, even if exp is still ahead', async () => {
    expect(await reason(await signed(NOW - 2 * DAY, NOW + 60))).toMatch(/max_age/);
  });
  it('its own tokens pass, and stop passing when the clock moves past their life', async () => {
    const s = await service;
    const { token } = await s.issue('alice');
    expect(await reason(token)).toBe('accepted');
    await clock.advance(931_000); // ttl 900 s + tolerance 30 s
    expect(await reason(token)).toBe('expired');
  });
});
