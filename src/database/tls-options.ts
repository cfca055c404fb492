import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { DatabaseSsl } from '../config/sections/database-url.js';
import { readTlsFiles } from '../config/tls-files.js';
import type { Dialect } from './dialect.js';

/** What pg and mysql2 take as their `ssl` setting. */
export type DriverSsl = false | (ConnectionOptions & { verifyIdentity?: boolean });

/**
 * The `ssl` setting of pg or mysql2 for `database.ssl`, the certificate files read now (call it
 * once, at start; the buffers then serve every connection):
 * - `disable`: no TLS;
 * - `require`: TLS, any certificate accepted (encryption against eavesdroppers only);
 * - `verify-ca`: the certificate must be signed by `ca_file` (or a CA Node trusts), any name;
 * - `verify-full`: that, and issued for `servername` (default: the host).
 *
 * pg sends the host as SNI and would check the certificate against it: a `servername` is honoured
 * by checking against it instead. mysql2 checks the host itself (`verifyIdentity`).
 *
 * @throws {ConfigInvalidError} when a file is missing, unreadable or unusable.
 */
export function driverSsl(dialect: Exclude<Dialect, 'sqlite'>, ssl: DatabaseSsl): DriverSsl {
  if (ssl.mode === 'disable') return false;
  const material = readTlsFiles(ssl, 'database.ssl');
  const verify = ssl.mode !== 'require';
  const base: ConnectionOptions = { ...material, rejectUnauthorized: verify };
  if (dialect === 'mysql') return { ...base, verifyIdentity: ssl.mode === 'verify-full' };
  if (ssl.mode === 'verify-ca' || ssl.mode === 'require') return { ...base, checkServerIdentity: () => undefined };
  const name = ssl.servername;
  return name === undefined
    ? base
    : { ...base, checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert) };
}

/**
 * mysql2 sends no SNI to an IP address and then checks the certificate against `localhost`, so a
 * `verify-full` connection by IP would accept any certificate of the trusted CA. Checks the
 * certificate of an opened mysql2 connection against `host` itself; returns the mismatch error
 * (Node's `ERR_TLS_CERT_ALTNAME_INVALID`), or undefined when it matches or the connection is not TLS.
 */
export function mysqlIdentityError(connection: unknown, host: string): Error | undefined {
  const stream = (connection as { stream?: { getPeerCertificate?: () => PeerCertificate } }).stream;
  const cert = stream?.getPeerCertificate?.();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  return checkServerIdentity(host, cert);
}
