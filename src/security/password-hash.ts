import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)));
  });

/** scrypt cost parameters. The defaults (N=2^15, r=8, p=1) follow OWASP's guidance for scrypt. */
export interface PasswordHashOptions {
  readonly N?: number;
  readonly r?: number;
  readonly p?: number;
}

const KEY_LENGTH = 32;
const b64 = (buf: Buffer): string => buf.toString('base64url');

/**
 * Hashes a password with scrypt (node:crypto) and a random 16-byte salt, as
 * `scrypt$N$r$p$<salt>$<hash>` (base64url), the form `security.principals.<id>.password_hash` takes.
 *
 * @example
 * ```ts
 * const hash = await hashPassword('correct horse battery staple');
 * ```
 */
export async function hashPassword(password: string, options: PasswordHashOptions = {}): Promise<string> {
  const N = options.N ?? 2 ** 15;
  const r = options.r ?? 8;
  const p = options.p ?? 1;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r * p });
  return `scrypt$${N}$${r}$${p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Checks a password against a hash from {@link hashPassword}, comparing in constant time.
 * A malformed hash verifies nothing (false), so a broken entry locks out rather than lets in.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const expected = Buffer.from(parts[5] as string, 'base64url');
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || expected.length === 0 || N > 2 ** 20) return false;
  try {
    const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r * p });
    return timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Builds the hash {@link burnPasswordCheck} verifies against. Security calls it when it is
 * created (and `ready()` waits for it), so that the first login for an unknown principal does not
 * pay for building it and take longer than the others (a timing tell).
 */
export function prepareDummyHash(): Promise<string> {
  dummy ??= hashPassword('stator-dummy-password');
  return dummy;
}

/**
 * Spends the time of one password check without any hash to match, so that a login for an
 * unknown principal takes as long as one with a wrong password (no principal enumeration by timing).
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  await verifyPassword(password, await prepareDummyHash());
}
