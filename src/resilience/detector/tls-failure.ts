/** Where the TLS settings of a connection are written, for the advice in messages. */
export type TlsSettingsPath = 'database.ssl' | 'cache.tls' | 'error_handling.redis.tls';

/** What a failed TLS handshake (or a refusal to talk without TLS) was, in a user's words. */
export type TlsFailureKind =
  | 'unknown-ca'
  | 'hostname-mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'client-certificate-refused'
  | 'server-requires-tls'
  | 'server-without-tls'
  | 'protocol-mismatch';

/** The verdict of {@link explainTlsFailure}. */
export interface TlsFailure {
  readonly kind: TlsFailureKind;
  /** What happened and what to do, naming the configuration keys; no secret. */
  readonly message: string;
}

/** Certificate verification codes (OpenSSL's, as Node's `tls` sets them on `error.code`). */
const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/**
 * Node's messages for the same failures, for drivers that keep the message but replace the code
 * (mysql2 sets `HANDSHAKE_SSL_ERROR`).
 */
const BY_MESSAGE: ReadonlyArray<readonly [RegExp, string]> = [
  [/^self[- ]signed certificate in certificate chain$/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/^self[- ]signed certificate$/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/^unable to verify the first certificate$/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/^unable to get local issuer certificate$/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/^unable to get issuer certificate$/i, 'UNABLE_TO_GET_ISSUER_CERT'],
  [/^Hostname\/IP does not match certificate's altnames/, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/^certificate has expired$/i, 'CERT_HAS_EXPIRED'],
  [/^certificate is not yet valid$/i, 'CERT_NOT_YET_VALID'],
];

/** Alerts a server sends when it does not accept the client's certificate (or wants one). */
const CLIENT_CERT_ALERTS =
  /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|SSLV3_ALERT_BAD_CERTIFICATE|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_UNKNOWN|TLSV1_ALERT_ACCESS_DENIED|SSLV3_ALERT_HANDSHAKE_FAILURE)$/;

interface Found {
  code?: string;
  message: string;
  reason?: string;
  cert?: { valid_to?: string };
  host?: string;
}

/** Every error along `errors`, `lastNodeError` and `cause`, outermost first. */
function chain(error: unknown, depth = 0): Found[] {
  if (typeof error !== 'object' || error === null || depth > 4) return [];
  const e = error as {
    code?: unknown;
    message?: unknown;
    reason?: unknown;
    cert?: unknown;
    host?: unknown;
    errors?: unknown;
    cause?: unknown;
    /** ioredis' Cluster: the error of the last node tried ("Failed to refresh slots cache."). */
    lastNodeError?: unknown;
  };
  const found: Found = {
    message: typeof e.message === 'string' ? e.message : '',
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
    ...(typeof e.cert === 'object' && e.cert !== null ? { cert: e.cert as { valid_to?: string } } : {}),
    ...(typeof e.host === 'string' ? { host: e.host } : {}),
  };
  const inner = Array.isArray(e.errors) ? (e.errors as unknown[]).flatMap((x) => chain(x, depth + 1)) : [];
  const node = e.lastNodeError !== undefined ? chain(e.lastNodeError, depth + 1) : [];
  return [found, ...inner, ...node, ...(e.cause !== undefined ? chain(e.cause, depth + 1) : [])];
}

/**
 * Names what went wrong when a connection failed because of TLS, or undefined when it did not:
 * an unknown CA, a host name the certificate is not issued for, an expired certificate, a client
 * certificate the server refused, a server that accepts only TLS (PostgreSQL `hostssl`-only
 * `pg_hba.conf`, MariaDB/MySQL `require_secure_transport`), or one that speaks no TLS at all.
 *
 * @param tlsConfigured whether the connection tried TLS (decides the advice for a plain refusal).
 * @example
 * ```ts
 * explainTlsFailure(error, 'database.ssl', true)?.message;
 * // 'TLS: the server's certificate is signed by an unknown CA (SELF_SIGNED_CERT_IN_CHAIN); set database.ssl.ca_file ...'
 * ```
 */
export function explainTlsFailure(
  error: unknown,
  where: TlsSettingsPath,
  tlsConfigured: boolean,
): TlsFailure | undefined {
  for (const e of chain(error)) {
    const code = BY_MESSAGE.find(([pattern]) => pattern.test(e.message))?.[1] ?? e.code ?? '';
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' && e.reason === undefined) e.reason = e.message;
    const failure = handshakeFailure(code, e, where) ?? serverRefusal(e, where, tlsConfigured);
    if (failure) return failure;
  }
  return undefined;
}

/** A failed TLS handshake, named by its code: the certificate, the client certificate, no TLS at all. */
function handshakeFailure(code: string, e: Found, where: TlsSettingsPath): TlsFailure | undefined {
  if (UNKNOWN_CA.has(code)) {
    return {
      kind: 'unknown-ca',
      message: `TLS: the server's certificate is signed by an unknown CA (${code}); set ${where}.ca_file to the PEM file of the CA that signed it`,
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      kind: 'hostname-mismatch',
      message: `TLS: host name mismatch, the server's certificate is not issued for the name connected to (${e.reason ?? e.message}); connect by a name the certificate lists, or set ${where}.servername to it`,
    };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return {
      kind: 'expired',
      message: `TLS: the server's certificate expired${e.cert?.valid_to ? ` on ${e.cert.valid_to}` : ''} (CERT_HAS_EXPIRED); renew it on the server`,
    };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return {
      kind: 'not-yet-valid',
      message: "TLS: the server's certificate is not valid yet (CERT_NOT_YET_VALID); check the clocks of both machines",
    };
  }
  if (CLIENT_CERT_ALERTS.test(code)) {
    return {
      kind: 'client-certificate-refused',
      message: `TLS: the server refused the handshake (${code}): it wants a client certificate it trusts; set ${where}.cert_file and ${where}.key_file`,
    };
  }
  if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    /^The server does not support SSL connections$/.test(e.message)
  ) {
    return {
      kind: 'server-without-tls',
      message: `TLS: the server does not speak TLS on this port (${code || e.message}); remove ${where} (or use the scheme without TLS) or point to the server's TLS port`,
    };
  }
  return undefined;
}

/** A server that refused the login for a TLS reason, said in its own words (PostgreSQL, MySQL, MariaDB). */
function serverRefusal(e: Found, where: TlsSettingsPath, tlsConfigured: boolean): TlsFailure | undefined {
  // PostgreSQL `cert` authentication without a client certificate.
  if (/requires a valid client certificate|certificate authentication failed/.test(e.message)) {
    return {
      kind: 'client-certificate-refused',
      message: `the server authenticates this user by client certificate, and none it accepts was sent; set ${where}.cert_file and ${where}.key_file (a certificate whose CN is the user name)`,
    };
  }
  // PostgreSQL: a hostssl-only pg_hba.conf refuses a plain connection "... no encryption".
  if (!tlsConfigured && /no pg_hba\.conf entry for .*no encryption/.test(e.message)) {
    return {
      kind: 'server-requires-tls',
      message: `the server accepts only TLS connections; configure ${where} (mode verify-full and ca_file) or add ?sslmode=verify-full to database.url`,
    };
  }
  // MySQL with require_secure_transport says so (3159).
  if (/insecure transport are prohibited/i.test(e.message)) {
    return {
      kind: 'server-requires-tls',
      message: `the server accepts only TLS connections (require_secure_transport); configure ${where} (mode verify-full and ca_file) or add ?ssl-mode=VERIFY_IDENTITY to database.url`,
    };
  }
  // MariaDB answers a plain login under require_secure_transport with a bare "Access denied" (1045).
  if (
    !tlsConfigured &&
    where === 'database.ssl' &&
    (e.code === 'ER_ACCESS_DENIED_ERROR' || /^Access denied for user/.test(e.message))
  ) {
    return {
      kind: 'server-requires-tls',
      message:
        `access denied to a plain (unencrypted) login: MariaDB answers this way both to a wrong password and when the server accepts only TLS (require_secure_transport); ` +
        `if it requires TLS, configure ${where} (mode verify-full and ca_file), otherwise check the user name and password`,
    };
  }
  return undefined;
}
