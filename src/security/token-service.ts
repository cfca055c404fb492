import { createPublicKey, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, errors, importPKCS8, importSPKI, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { TokenInvalidError } from '../errors/token-invalid-error.js';
import type { Clock } from '../kernel/clock.js';

/** What signing and verifying tokens needs, from `security.jwt`. */
export interface TokenSettings {
  readonly algorithm: 'HS256' | 'EdDSA';
  /** HS256 secret. Without one (and without keys), a random per-process secret is used. */
  readonly secret?: string;
  /** EdDSA PKCS#8 PEM private key: needed to issue. */
  readonly privateKey?: string;
  /** EdDSA SPKI PEM public key: enough to verify. */
  readonly publicKey?: string;
  /** Seconds a token is valid. */
  readonly ttl: number;
  readonly issuer: string;
  readonly audience: string;
  /** Seconds of skew tolerated on exp, nbf and iat. */
  readonly clockTolerance: number;
  /**
   * Seconds a token may live at most, whoever signed it: refused when issued longer ago
   * (`iat`), when its lifetime (`exp - iat`) is longer, or when `iat` is in the future beyond
   * the clock tolerance. Default: no limit beyond `exp`.
   */
  readonly maxAge?: number;
}

/** A token issued by {@link TokenService.issue}. */
export interface IssuedToken {
  /** The compact JWT. A bearer secret: never log it. */
  readonly token: string;
  /** Its unique id (the `jti` claim), for revocation and audit entries. */
  readonly jti: string;
  /** Clock time in ms at which it expires. */
  readonly expiresAt: number;
}

/** The claims Stator relies on, after verification. */
export interface VerifiedToken {
  readonly principalId: string;
  readonly jti: string;
  /** Clock time in ms. */
  readonly expiresAt: number;
}

type Key = CryptoKey | Uint8Array;

/** What authentication needs from a token service. */
export interface Tokens {
  issue(principalId: string): Promise<IssuedToken>;
  verify(token: string): Promise<VerifiedToken>;
  /**
   * The token's claims when a successful verification of it is remembered and the token has not
   * expired (see `cacheVerifiedTokens`), else `undefined`: then {@link verify} it.
   */
  verifyCached?(token: string): VerifiedToken | undefined;
}

/**
 * Signs and verifies Stator's tokens with `jose`: HS256 or EdDSA, claims `sub` (principal id),
 * `jti`, `iat`, `nbf`, `exp`, `iss`, `aud`, all required on verification. Only the configured
 * algorithm is accepted, so `alg: none` and algorithm-confusion tokens (an HS256 token signed with
 * an EdDSA public key) are refused. Time comes from the injected clock.
 */
export class TokenService implements Tokens {
  private constructor(
    private readonly settings: TokenSettings,
    private readonly clock: Clock,
    private readonly signKey: Key | undefined,
    private readonly verifyKey: Key,
    /** True when no secret was configured and a random one is in use. */
    public readonly ephemeral: boolean,
  ) {}

  /**
   * Imports the keys.
   *
   * @throws Error when an EdDSA key does not parse (the message names the setting, never the key).
   */
  public static async create(settings: TokenSettings, clock: Clock): Promise<TokenService> {
    if (settings.algorithm === 'HS256') {
      const secret = settings.secret ? new TextEncoder().encode(settings.secret) : new Uint8Array(randomBytes(32));
      // Imported once: given raw bytes, jose would import the key again on every sign and verify.
      const key = (await webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ])) as unknown as CryptoKey;
      return new TokenService(settings, clock, key, key, !settings.secret);
    }
    const importKey = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (cause) {
        throw new Error(
          `security.jwt.${what} is not a valid Ed25519 ${what === 'private_key' ? 'PKCS#8' : 'SPKI'} PEM key`,
          { cause },
        );
      }
    };
    const privateKey = settings.privateKey
      ? await importKey('private_key', () => importPKCS8(settings.privateKey as string, 'EdDSA'))
      : undefined;
    const publicPem =
      settings.publicKey ??
      (settings.privateKey
        ? await importKey('private_key', async () =>
            createPublicKey(settings.privateKey as string)
              .export({ type: 'spki', format: 'pem' })
              .toString(),
          )
        : undefined);
    if (!publicPem) throw new Error('security.jwt: EdDSA needs private_key or public_key');
    const publicKey = await importKey('public_key', () => importSPKI(publicPem, 'EdDSA'));
    return new TokenService(settings, clock, privateKey, publicKey, false);
  }

  /** True when this instance holds a signing key. */
  public get canIssue(): boolean {
    return this.signKey !== undefined;
  }

  /** Issues a token for a principal. */
  public async issue(principalId: string): Promise<IssuedToken> {
    if (!this.signKey)
      throw new Error(
        'security.jwt: this instance has only a public key and cannot issue tokens; configure private_key_file',
      );
    const now = Math.floor(this.clock.now() / 1000);
    const exp = now + Math.max(1, Math.round(this.settings.ttl));
    const jti = randomUUID();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: this.settings.algorithm, typ: 'JWT' })
      .setSubject(principalId)
      .setJti(jti)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .sign(this.signKey);
    return { token, jti, expiresAt: exp * 1000 };
  }

  /**
   * Verifies signature, algorithm and claims.
   *
   * @throws TokenInvalidError with a short reason (`expired`, `bad signature`, ...).
   */
  public async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.verifyKey, {
        algorithms: [this.settings.algorithm],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        currentDate: new Date(this.clock.now()),
        clockTolerance: this.settings.clockTolerance,
        requiredClaims: ['sub', 'jti', 'iat', 'exp', 'nbf'],
        // jose refuses an `iat` older than this, and one in the future beyond the tolerance.
        ...(this.settings.maxAge !== undefined ? { maxTokenAge: this.settings.maxAge } : {}),
      }));
    } catch (cause) {
      throw new TokenInvalidError(reasonOf(cause), { cause: sanitize(cause) });
    }
    const iat = Number(payload.iat);
    const now = this.clock.now() / 1000;
    if (!Number.isFinite(iat) || iat > now + this.settings.clockTolerance)
      throw new TokenInvalidError('issued in the future');
    if (this.settings.maxAge !== undefined && Number(payload.exp) - iat > this.settings.maxAge)
      throw new TokenInvalidError('lifetime longer than security.jwt.max_age');
    return { principalId: String(payload.sub), jti: String(payload.jti), expiresAt: Number(payload.exp) * 1000 };
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return error.claim === 'iat' ? 'older than security.jwt.max_age' : 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iat') return 'issued in the future';
    if (error.claim === 'nbf') return 'not yet valid';
    if (error.claim === 'iss') return 'wrong issuer';
    if (error.claim === 'aud') return 'wrong audience';
    return `claim ${error.claim} missing or invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSENotSupported) return 'algorithm not allowed';
  return 'malformed';
}

/** jose's errors may carry the payload; keep only the class and message as the cause. */
function sanitize(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  return new Error(`${e.name}: ${e.message}`);
}
