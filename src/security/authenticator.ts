import { AuthenticationFailedError } from '../errors/authentication-failed-error.js';
import { isRateLimitedError } from '../errors/rate-limited-error.js';
import { TokenInvalidError, isTokenInvalidError } from '../errors/token-invalid-error.js';
import type { AuditRecord } from './audit-entry.js';
import { apiKeyPrincipal, matchApiKey } from './api-key.js';
import { isPasswordCredentials, type Credentials } from './credentials.js';
import type { LoginAttempt, LoginLimiter } from './login-limiter.js';
import { burnPasswordCheck, verifyPassword } from './password-hash.js';
import { ANONYMOUS, type Principal } from './principal.js';
import type { PrincipalRecord, PrincipalStore } from './principal-store.js';
import type { RevocationStore } from './revocation-store.js';
import type { Tokens } from './token-service.js';

/** What a successful {@link Authenticator.authenticate} returns. */
export interface AuthResult {
  /** Bearer token for `stator.as(token)`. A secret: never log it. */
  readonly token: string;
  /** The token's id (for revocation and audit). */
  readonly jti: string;
  /** Clock time in ms at which the token expires. */
  readonly expiresAt: number;
  readonly principal: Principal;
}

/** What {@link Authenticator} is built from. */
export interface AuthenticatorParts {
  readonly store: PrincipalStore;
  readonly tokens: Tokens;
  readonly limiter: LoginLimiter;
  readonly revocations: RevocationStore;
  /** Appends an audit entry; rejects when it cannot (then the operation fails closed). */
  readonly audit: (record: AuditRecord) => Promise<unknown>;
  /** Counts outcomes for metrics. */
  readonly count?: (event: 'login_success' | 'login_failure' | 'login_rate_limited' | 'token_invalid') => void;
}

/**
 * Authentication: logins with a password or an API key return a signed, expiring token; tokens are
 * verified (signature, algorithm, claims, revocation, principal still present and enabled) on every
 * use. Every login, every refused token and every revocation is audited; if the audit entry cannot
 * be written the operation fails (an unrecorded login is refused).
 *
 * Errors say as little as possible to the caller ({@link AuthenticationFailedError} is the same for
 * an unknown principal and a wrong password); the audit log says exactly what happened.
 */
export class Authenticator {
  /** The principal handed out for each record object (frozen: every caller shares it). */
  private readonly principals = new WeakMap<PrincipalRecord, Principal>();

  public constructor(private readonly parts: AuthenticatorParts) {}

  /**
   * Checks credentials and issues a token.
   *
   * @throws RateLimitedError when the principal or source is locked out (password not checked).
   * @throws AuthenticationFailedError when the credentials are refused.
   * @throws AuditWriteFailedError when the attempt could not be audited.
   */
  public async authenticate(credentials: Credentials): Promise<AuthResult> {
    const malformed = credentialsProblem(credentials);
    if (malformed !== undefined) {
      // Refused before anything else looks at it: no scrubbing, hashing or store lookup of a 64k name.
      this.parts.count?.('login_failure');
      await this.parts.audit({
        who: ANONYMOUS,
        action: 'auth.login',
        resource: `principal:${ANONYMOUS}`,
        decision: 'deny',
        reason: `malformed credentials: ${malformed}`,
      });
      throw new AuthenticationFailedError();
    }
    const password = isPasswordCredentials(credentials);
    const action = password ? 'auth.password' : 'auth.api_key';
    const claimed = password ? credentials.username : (apiKeyPrincipal(credentials.apiKey) ?? ANONYMOUS);
    const source = credentials.source;
    const from = source === undefined ? '' : ` from ${source}`;
    const record = (decision: 'allow' | 'deny', reason: string): AuditRecord => ({
      who: claimed,
      action,
      resource: `principal:${claimed}`,
      decision,
      reason: `${reason}${from}`,
    });

    let attempt: LoginAttempt;
    try {
      attempt = this.parts.limiter.reserve(password ? 'password' : 'api_key', claimed, source);
    } catch (error) {
      if (!isRateLimitedError(error)) throw error;
      this.parts.count?.('login_rate_limited');
      await this.parts.audit(
        record('deny', `rate limited: ${error.limit} locked out for ${Math.ceil(error.retryAfterMs / 1000)} s`),
      );
      throw error;
    }

    let failure: string | undefined;
    let found: PrincipalRecord | undefined;
    try {
      ({ found, failure } = await this.check(credentials, claimed));
    } catch (error) {
      this.parts.limiter.abandoned(attempt);
      throw error;
    }

    if (failure || !found) {
      this.parts.limiter.failed(attempt);
      this.parts.count?.('login_failure');
      await this.parts.audit(record('deny', failure ?? 'unknown principal'));
      throw new AuthenticationFailedError();
    }

    this.parts.limiter.succeeded(attempt);
    const issued = await this.parts.tokens.issue(found.id);
    await this.parts.audit(
      record('allow', `${password ? 'password' : 'API key'} accepted, token ${issued.jti} issued`),
    );
    this.parts.count?.('login_success');
    return { token: issued.token, jti: issued.jti, expiresAt: issued.expiresAt, principal: publicPrincipal(found) };
  }

  /** Looks the claimed principal up and checks the password or API key; `failure` says why it is refused. */
  private async check(
    credentials: Credentials,
    claimed: string,
  ): Promise<{ found: PrincipalRecord | undefined; failure: string | undefined }> {
    const found = await this.parts.store.find(claimed);
    let failure: string | undefined;
    if (isPasswordCredentials(credentials)) {
      if (!found?.passwordHash) {
        await burnPasswordCheck(credentials.password);
        failure = found ? 'principal has no password' : 'unknown principal';
      } else if (!(await verifyPassword(credentials.password, found.passwordHash))) {
        failure = 'wrong password';
      }
    } else if (!found) {
      failure = claimed === ANONYMOUS ? 'malformed API key' : 'unknown principal';
    } else if (!matchApiKey(credentials.apiKey, found.keyHashes)) {
      failure = 'unknown API key';
    }
    if (!failure && found?.disabled) failure = 'principal disabled';
    return { found, failure };
  }

  /**
   * Verifies a token and returns its principal as the store has it now.
   *
   * @throws TokenInvalidError (audited) when the token is refused.
   */
  public async verify(token: string, source?: string): Promise<Principal> {
    let principalId: string = ANONYMOUS;
    try {
      const verified = await this.parts.tokens.verify(token);
      principalId = verified.principalId;
      if (await this.parts.revocations.isRevoked(verified.jti)) throw new TokenInvalidError('revoked');
      const found = await this.parts.store.find(verified.principalId);
      if (!found) throw new TokenInvalidError('principal no longer exists');
      if (found.disabled) throw new TokenInvalidError('principal disabled');
      return this.principalOf(found);
    } catch (error) {
      if (!isTokenInvalidError(error)) throw error;
      this.parts.count?.('token_invalid');
      await this.parts.audit({
        who: principalId,
        action: 'auth.token',
        resource: `principal:${principalId}`,
        decision: 'deny',
        reason: `token refused: ${error.reason}${source === undefined ? '' : ` from ${source}`}`,
      });
      throw error;
    }
  }

  /**
   * {@link verify} without waiting, for a token whose verification is remembered (see
   * `cacheVerifiedTokens`): its principal when the token has not expired, the revocation store
   * says synchronously that it is not revoked, and the principal store holds the principal in
   * memory, present and enabled. `undefined` otherwise (including every refusal): then call
   * {@link verify}, which decides and audits.
   */
  public verifyNow(token: string): Principal | undefined {
    const verified = this.parts.tokens.verifyCached?.(token);
    if (verified === undefined || this.parts.revocations.revokedNow?.(verified.jti) !== false) return undefined;
    const found = this.parts.store.findNow?.(verified.principalId);
    if (found === undefined || found.disabled) return undefined;
    return this.principalOf(found);
  }

  /**
   * The principal of a store record, one object per record object: a store that returns the same
   * record (the configuration's) gives the same principal each call, whose compiled rules and
   * memoized decisions the authorizer then finds without building a key. A changed record is a
   * new object, so a new principal.
   */
  private principalOf(found: PrincipalRecord): Principal {
    let principal = this.principals.get(found);
    if (!principal) {
      const p = publicPrincipal(found);
      principal = Object.freeze({
        ...p,
        roles: Object.freeze([...p.roles]),
        attributes: Object.freeze({ ...p.attributes }),
        ...(p.permissions ? { permissions: Object.freeze([...p.permissions]) } : {}),
      });
      this.principals.set(found, principal);
    }
    return principal;
  }

  /**
   * Revokes a token (its `jti`) until it expires. Revoking an invalid or expired token is a no-op
   * that is still audited.
   */
  public async revoke(token: string): Promise<void> {
    let verified;
    try {
      verified = await this.parts.tokens.verify(token);
    } catch (error) {
      if (!isTokenInvalidError(error)) throw error;
      await this.parts.audit({
        who: ANONYMOUS,
        action: 'auth.revoke',
        resource: 'token',
        decision: 'deny',
        reason: `not revoked: token ${error.reason}`,
      });
      return;
    }
    await this.parts.revocations.revoke(verified.jti, verified.expiresAt);
    await this.parts.audit({
      who: verified.principalId,
      action: 'auth.revoke',
      resource: `principal:${verified.principalId}`,
      decision: 'allow',
      reason: `token ${verified.jti} revoked`,
    });
  }
}

/** Bounds on what a login may carry, checked before anything else is done with it. */
export const LOGIN_LIMITS = { username: 256, password: 1024, apiKey: 512, source: 256 } as const;

/** Why credentials are malformed (wrong types, oversized), or undefined when they are well formed. */
function credentialsProblem(credentials: unknown): string | undefined {
  if (typeof credentials !== 'object' || credentials === null) return 'not an object';
  const c = credentials as Record<string, unknown>;
  const text = (name: keyof typeof LOGIN_LIMITS, optional = false): string | undefined => {
    const v = c[name];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string') return `${name} must be a string`;
    if (v.length > LOGIN_LIMITS[name]) return `${name} longer than ${LOGIN_LIMITS[name]} characters`;
    return undefined;
  };
  const problem = 'username' in c ? (text('username') ?? text('password')) : text('apiKey');
  return problem ?? text('source', true);
}

function publicPrincipal(record: PrincipalRecord): Principal {
  return {
    id: record.id,
    roles: record.roles,
    attributes: record.attributes,
    ...(record.permissions ? { permissions: record.permissions } : {}),
  };
}
