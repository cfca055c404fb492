import type { z } from 'zod';
import { readSectionUrl, UrlSyntaxProblem, type ConnectionUrl } from '../connection-url.js';
import { SSL_MODES, type DatabaseSslInput, type SslMode } from './tls.js';

/** The database drivers, as `database.driver` names them. */
export type DatabaseDriver = 'sqlite' | 'postgresql' | 'mysql';

/** `database.ssl` resolved: the mode decided, files as written (read at start). */
export interface DatabaseSsl {
  readonly mode: SslMode;
  readonly ca_file?: string;
  readonly cert_file?: string;
  readonly key_file?: string;
  readonly passphrase?: string;
  readonly servername?: string;
}

/** What the URL contributes; keys written beside it win. */
interface FromUrl {
  driver?: DatabaseDriver;
  host?: string;
  port?: number;
  database?: string;
  username?: string;
  password?: string;
  filename?: string;
  ssl?: Partial<DatabaseSsl>;
}

const SCHEMES: Readonly<Record<string, DatabaseDriver>> = {
  postgres: 'postgresql',
  postgresql: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  file: 'sqlite',
};

const EXAMPLE =
  'postgres://app@db.example.com:5432/app?sslmode=verify-full (password after the user name, as in user:password, percent-encoded)';

/** MySQL's `ssl-mode` names, and `ssl=true|false`, as the modes above. */
const MYSQL_MODES: Readonly<Record<string, SslMode>> = {
  disabled: 'disable',
  required: 'require',
  verify_ca: 'verify-ca',
  verify_identity: 'verify-full',
};

const FILE_PARAMS: Readonly<Record<string, 'ca_file' | 'cert_file' | 'key_file'>> = {
  sslrootcert: 'ca_file',
  sslcert: 'cert_file',
  sslkey: 'key_file',
  'ssl-ca': 'ca_file',
  'ssl-cert': 'cert_file',
  'ssl-key': 'key_file',
};

function sslModeParam(value: string): SslMode {
  const v = value.trim().toLowerCase();
  if ((SSL_MODES as readonly string[]).includes(v)) return v as SslMode;
  const mysql = MYSQL_MODES[v.replace(/-/g, '_')];
  if (mysql) return mysql;
  if (v === 'prefer' || v === 'allow' || v === 'preferred') {
    throw new UrlSyntaxProblem(
      `sslmode=${v} is not supported: it falls back to plain text without telling; use sslmode=verify-full (or require), or sslmode=disable`,
    );
  }
  throw new UrlSyntaxProblem(
    `sslmode=${v} is not one of ${SSL_MODES.join(', ')} (MySQL: DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)`,
  );
}

function fromParams(params: URLSearchParams): Partial<DatabaseSsl> {
  const ssl: { -readonly [K in keyof DatabaseSsl]?: DatabaseSsl[K] } = {};
  for (const [name, value] of params) {
    const key = name.toLowerCase();
    if (key === 'sslmode' || key === 'ssl-mode' || key === 'ssl_mode') ssl.mode = sslModeParam(value);
    else if (key === 'ssl')
      ssl.mode = /^(true|1|on)$/i.test(value)
        ? 'verify-full'
        : /^(false|0|off)$/i.test(value)
          ? 'disable'
          : sslModeParam(value);
    else if (FILE_PARAMS[key]) ssl[FILE_PARAMS[key]] = value;
    else {
      throw new UrlSyntaxProblem(
        `the parameter "${name}" is not supported; supported: sslmode (ssl-mode), ssl, sslrootcert (ssl-ca), sslcert (ssl-cert), sslkey (ssl-key). Give other settings as database keys`,
      );
    }
  }
  return ssl;
}

function fromUrl(url: ConnectionUrl): FromUrl {
  const driver = SCHEMES[url.scheme];
  if (!driver)
    throw new UrlSyntaxProblem(
      `the scheme "${url.scheme}:" is not one of postgres://, postgresql://, mysql://, mariadb://, sqlite:, file:`,
    );
  if (driver === 'sqlite') {
    if (url.path === '')
      throw new UrlSyntaxProblem(
        'it names no file; write sqlite:relative/path.db, sqlite:///absolute/path.db or sqlite::memory:',
      );
    return { driver, filename: url.path };
  }
  if (url.hosts.length === 0) throw new UrlSyntaxProblem(`it names no host; write ${EXAMPLE}`);
  if (url.hosts.length > 1)
    throw new UrlSyntaxProblem('it names several hosts; Stator connects to one database server: give one host');
  const [first] = url.hosts as [ConnectionUrl['hosts'][number]];
  if (url.path.includes('/'))
    throw new UrlSyntaxProblem('its path has more than one part; the path is the database name only');
  const ssl = fromParams(url.params);
  return {
    driver,
    host: first.host,
    ...(first.port !== undefined ? { port: first.port } : {}),
    ...(url.path !== '' ? { database: url.path } : {}),
    ...(url.username !== undefined ? { username: url.username } : {}),
    ...(url.password !== undefined ? { password: url.password } : {}),
    ...(Object.keys(ssl).length > 0 ? { ssl } : {}),
  };
}

/** The section's keys this step reads; the rest pass through. */
export interface DatabaseSectionWritten {
  driver?: DatabaseDriver | undefined;
  url?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  database?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  filename?: string | undefined;
  ssl?: DatabaseSslInput | undefined;
}

function resolveMode(
  written: DatabaseSslInput | undefined,
  url: Partial<DatabaseSsl> | undefined,
  ctx: z.RefinementCtx,
): SslMode {
  const byFlag: SslMode | undefined =
    written?.reject_unauthorized === undefined ? undefined : written.reject_unauthorized ? 'verify-full' : 'require';
  const mode = written?.mode;
  if (
    mode !== undefined &&
    byFlag !== undefined &&
    (mode === 'require') !== (byFlag === 'require') &&
    mode !== 'disable'
  ) {
    ctx.issues.push({
      code: 'custom',
      path: ['ssl', 'reject_unauthorized'],
      input: written?.reject_unauthorized,
      message: `contradicts ssl.mode ${mode}; remove reject_unauthorized and keep mode (require: certificate not checked; verify-ca / verify-full: checked)`,
    });
  }
  if (mode !== undefined) return mode;
  if (byFlag !== undefined) return byFlag;
  if (url?.mode !== undefined) return url.mode;
  return written !== undefined || (url && Object.keys(url).length > 0) ? 'verify-full' : 'disable';
}

/**
 * Fills the database section from `database.url`: keys written beside the URL win over the URL's
 * parts (so `password_file` or `database:` can complete or override a platform's URL), then the
 * defaults apply. A URL that cannot be read is reported at `database.url` without quoting it.
 * `ssl.mode` comes from `ssl.mode`, else `ssl.reject_unauthorized`, else the URL's `sslmode`, else
 * `verify-full` when `ssl` (or a certificate parameter of the URL) is written, else `disable`.
 */
export function applyDatabaseUrl<T extends DatabaseSectionWritten>(section: T, ctx: z.RefinementCtx) {
  const url: FromUrl = readSectionUrl(section.url, EXAMPLE, ctx, fromUrl);
  if (section.driver !== undefined && url.driver !== undefined && section.driver !== url.driver) {
    ctx.issues.push({
      code: 'custom',
      path: ['driver'],
      input: section.driver,
      message: `expected ${url.driver} to match the scheme of database.url; remove database.driver (the URL decides) or fix the URL`,
    });
  }
  const { url: _url, ssl: writtenSsl, ...rest } = section;
  const driver = section.driver ?? url.driver ?? 'sqlite';
  const mode = resolveMode(writtenSsl, url.ssl, ctx);
  const { reject_unauthorized: _flag, mode: _mode, ...files } = writtenSsl ?? {};
  const ssl: DatabaseSsl = { ...url.ssl, ...files, mode };
  if (driver === 'sqlite' && (writtenSsl !== undefined || url.ssl !== undefined)) {
    ctx.issues.push({
      code: 'custom',
      path: ['ssl'],
      input: writtenSsl,
      message: 'only applies to postgresql and mysql; remove it for sqlite',
    });
  }
  if (driver === 'mysql' && ssl.servername !== undefined) {
    ctx.issues.push({
      code: 'custom',
      path: ['ssl', 'servername'],
      input: ssl.servername,
      message:
        'is not supported by mysql2 (it checks the certificate against database.host); set database.host to the name on the certificate',
    });
  }
  if (ssl.key_file !== undefined && ssl.cert_file === undefined) {
    ctx.issues.push({
      code: 'custom',
      path: ['ssl', 'cert_file'],
      input: undefined,
      message: 'expected a client certificate file to go with ssl.key_file',
    });
  }
  const pick = <K extends keyof FromUrl>(key: K): FromUrl[K] => url[key];
  return {
    ...rest,
    driver,
    host: section.host ?? pick('host') ?? '127.0.0.1',
    port: section.port ?? pick('port'),
    database: section.database ?? pick('database') ?? 'stator',
    username: section.username ?? pick('username'),
    password: section.password ?? pick('password'),
    filename: section.filename ?? pick('filename') ?? 'stator.sqlite',
    ssl,
  };
}
