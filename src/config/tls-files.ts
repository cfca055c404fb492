import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { ConfigInvalidError, type ConfigProblem } from '../errors/config-invalid-error.js';

/** The file keys of `database.ssl` and `cache.tls`. */
export interface TlsFileSettings {
  readonly ca_file?: string | undefined;
  readonly cert_file?: string | undefined;
  readonly key_file?: string | undefined;
  readonly passphrase?: string | undefined;
}

/** The contents of the files, ready for `tls.connect` (and for pg, mysql2 and ioredis, which pass them on). */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly passphrase?: string;
}

const FILES = [
  ['ca_file', 'ca', 'CERTIFICATE', 'the CA certificate(s)'],
  ['cert_file', 'cert', 'CERTIFICATE', 'the client certificate'],
  ['key_file', 'key', 'PRIVATE KEY', "the client certificate's private key"],
] as const;

function readOne(
  file: string,
  key: string,
  where: string,
  label: string,
  marker: string,
  problems: ConfigProblem[],
): Buffer | undefined {
  const path = `${where}.${key}`;
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file; check the path (relative paths start from the working directory)'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied; make it readable by the user running the service'
          : code === 'EISDIR'
            ? `it is a directory; give the PEM file of ${label}`
            : `${code ?? 'unknown error'}; check the path and its permissions`;
    problems.push({ path, message: `cannot read ${file}: ${why}` });
    return undefined;
  }
  // A PEM block's header names what it holds; a DER file or a key in place of a certificate is caught here.
  if (
    !content.includes(`-----BEGIN `) ||
    !new RegExp(`-----BEGIN [A-Z ]*${marker}-----`).test(content.toString('latin1'))
  ) {
    problems.push({
      path,
      message: `${file} is not a PEM file holding ${label} (expected a "-----BEGIN ...${marker}-----" block); convert it with openssl`,
    });
    return undefined;
  }
  return content;
}

/**
 * Reads the certificate and key files of `settings` (once, at start: the same buffers serve every
 * connection), resolving relative paths from `cwd`, and checks that Node can use them together
 * (a key that does not match its certificate, a wrong passphrase).
 *
 * @param where the configuration path of the settings, for messages: `database.ssl`.
 * @throws {ConfigInvalidError} naming each file that is missing, unreadable, not PEM, or does not
 * fit; never the contents.
 * @example
 * ```ts
 * const material = readTlsFiles({ ca_file: '/etc/ssl/db-ca.pem' }, 'database.ssl');
 * tls.connect({ host, port, ca: material.ca });
 * ```
 */
export function readTlsFiles(settings: TlsFileSettings, where: string, cwd: string = process.cwd()): TlsMaterial {
  const problems = tlsFileProblems(settings, where, cwd);
  if (problems.problems.length > 0) throw new ConfigInvalidError(where, problems.problems);
  return problems.material;
}

/** {@link readTlsFiles} without throwing: the material read and every problem found. */
export function tlsFileProblems(
  settings: TlsFileSettings,
  where: string,
  cwd: string = process.cwd(),
): { material: TlsMaterial; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const material: { -readonly [K in keyof TlsMaterial]?: TlsMaterial[K] } = {};
  for (const [key, field, marker, label] of FILES) {
    const file = settings[key];
    if (file === undefined) continue;
    const content = readOne(resolve(cwd, file), key, where, label, marker, problems);
    if (content) material[field] = content;
  }
  if (settings.passphrase !== undefined) material.passphrase = settings.passphrase;
  if (problems.length === 0 && (material.ca || material.cert || material.key)) {
    try {
      createSecureContext(material);
    } catch (error) {
      problems.push({ path: `${where}.${material.key ? 'key_file' : 'ca_file'}`, message: unusable(error) });
    }
  }
  return { material, problems };
}

function unusable(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' || /key values mismatch/i.test(text)) {
    return 'the private key does not belong to the certificate in cert_file; give the key that was generated with it';
  }
  if (/bad decrypt|bad password|interrupted or cancelled|ERR_OSSL_BAD_DECRYPT/i.test(`${String(code)} ${text}`)) {
    return 'the private key is encrypted and passphrase is missing or wrong; set passphrase (or passphrase_file)';
  }
  return `Node cannot use these files (${typeof code === 'string' ? code : text}); check that each holds what its key says`;
}

/** `cache.tls` (or `error_handling.redis.tls`) as written. */
export interface RedisTlsSettings extends TlsFileSettings {
  readonly servername?: string | undefined;
  readonly reject_unauthorized: boolean;
}

/**
 * Node `tls.connect` options for Redis (ioredis passes them on for a node, the master behind
 * Sentinel, the sentinels and every Cluster node), the files read now: call it once per start.
 * `reject_unauthorized: false` accepts any certificate and any name (encryption only).
 *
 * @throws {ConfigInvalidError} when a file is missing, unreadable or unusable.
 */
export function redisTlsOptions(settings: RedisTlsSettings, where: string): ConnectionOptions {
  const material = readTlsFiles(settings, where);
  return {
    ...material,
    ...(settings.servername !== undefined ? { servername: settings.servername } : {}),
    rejectUnauthorized: settings.reject_unauthorized,
    ...(settings.reject_unauthorized ? {} : { checkServerIdentity: () => undefined }),
  };
}
