import { z } from 'zod';

/** Certificate files and checks common to `database.ssl` and `cache.tls`. Files are PEM. */
const tlsFiles = {
  /** PEM file of the CA(s) that signed the server's certificate (default: Node's trusted CAs). */
  ca_file: z.string().min(1).optional(),
  /** PEM file of the client certificate, for servers that authenticate clients by certificate. */
  cert_file: z.string().min(1).optional(),
  /** PEM file of the client certificate's private key (needs `cert_file`). */
  key_file: z.string().min(1).optional(),
  /** Passphrase of an encrypted `key_file` (a secret: never shown). */
  passphrase: z.string().optional(),
  /** Name checked against the server's certificate (and sent as SNI), when it differs from `host`. */
  servername: z.string().min(1).optional(),
};

/**
 * PostgreSQL's `sslmode` names, as libpq and every platform's `DATABASE_URL` use them:
 * `disable` (plain text), `require` (encrypted, certificate not checked), `verify-ca`
 * (certificate signed by a trusted CA), `verify-full` (that, and issued for the host name).
 */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
/** One of {@link SSL_MODES}. */
export type SslMode = (typeof SSL_MODES)[number];

/** `database.ssl:` — TLS to PostgreSQL or MySQL/MariaDB. */
export const databaseSsl = z.strictObject({
  /**
   * How much to check. Default `verify-full` when `ssl` is written; the URL's `sslmode`
   * (`ssl-mode` for MySQL) when only the URL says.
   */
  mode: z.enum(SSL_MODES).optional(),
  ...tlsFiles,
  /**
   * Node's name for "check the certificate": `false` is `mode: require`, `true` is `verify-full`.
   * Give `mode` instead; both together must agree.
   */
  reject_unauthorized: z.boolean().optional(),
});

/** `cache.tls:` — TLS to Redis (single node, Sentinel and its sentinels, Cluster). Writing it turns TLS on. */
export const cacheTls = z.strictObject({
  ...tlsFiles,
  /** Check the server's certificate and host name (false: encrypted, but any certificate is accepted). */
  reject_unauthorized: z.boolean().default(true),
});

/** `database.ssl` as written. */
export type DatabaseSslInput = z.output<typeof databaseSsl>;
/** `cache.tls` as written, defaults applied. */
export type CacheTls = z.output<typeof cacheTls>;
