import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { isConfigInvalidError } from '../../../src/errors/config-invalid-error.js';
import { isStartupError } from '../../../src/errors/startup-error.js';
import { createStator, type Stator } from '../../../src/index.js';
import {
  makeCertificates,
  makeTempDir,
  removeTempDir,
  startMariadb,
  startPostgres,
  USERS,
  type Certificates,
  type Started,
} from './tls-servers.js';

// TLS-only PostgreSQL and MariaDB of this file's own (ports 20300–20301; see tls-servers.ts).
const PG_PORT = 20300;
const MARIA_PORT = 20301;

let dir = '';
let certs: Certificates;
const servers: Started[] = [];

beforeAll(async () => {
  dir = makeTempDir('db');
  certs = makeCertificates(dir);
  servers.push(...(await Promise.all([startPostgres(dir, certs, PG_PORT), startMariadb(dir, certs, MARIA_PORT)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  removeTempDir(dir);
});

const pw = encodeURIComponent(USERS.app.password);

/** A Stator with only a database (memory cache), failing its start at the first failed attempt. */
function stator(database: NonNullable<StatorConfigInput['database']>): Stator {
  return createStator({
    config: {
      database: { timeout: 5, retry_attempts: 0, ...database },
      filesystem: { base_path: dir },
    } as StatorConfigInput,
    logger: { silent: true },
  });
}

/** Starts, runs `probe` through `stator.db.knex`, stops; returns what the probe returned. */
async function startAndQuery<T>(
  database: NonNullable<StatorConfigInput['database']>,
  probe: (s: Stator) => Promise<T>,
): Promise<T> {
  const s = stator(database);
  try {
    await s.start();
    return await probe(s);
  } finally {
    await s.stop();
  }
}

/** The start failure's message for the database (start must fail). */
async function startFailure(database: NonNullable<StatorConfigInput['database']>): Promise<string> {
  const s = stator(database);
  try {
    await s.start();
  } catch (error) {
    if (!isStartupError(error)) throw error;
    const failure = error.failures.find((f) => f.resource === 'database');
    expect(failure, error.message).toBeDefined();
    return failure?.message ?? '';
  } finally {
    await s.stop();
  }
  throw new Error('start succeeded, a failure was expected');
}

const pgUrl = (query: string, user = `${USERS.app.name}:${pw}`): string =>
  `postgres://${user}@127.0.0.1:${PG_PORT}/test${query}`;
const pgSsl = async (s: Stator): Promise<boolean> => {
  const result = await s.db.knex.raw<{ rows: Array<{ ssl: boolean }> }>(
    'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
  );
  return result.rows[0]?.ssl === true;
};

describe('PostgreSQL over TLS (ssl=on, hostssl-only pg_hba.conf)', () => {
  it('connects through its URL with sslmode=verify-full and the right CA, encrypted', async () => {
    expect(await startAndQuery({ url: pgUrl('?sslmode=verify-full'), ssl: { ca_file: certs.ca } }, pgSsl)).toBe(true);
  });

  it('takes the CA from the URL (sslrootcert) as libpq does', async () => {
    expect(
      await startAndQuery({ url: pgUrl(`?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.ca)}`) }, pgSsl),
    ).toBe(true);
  });

  it('fails start naming an unknown CA when the certificate is signed by another CA', async () => {
    const message = await startFailure({ url: pgUrl('?sslmode=verify-full'), ssl: { ca_file: certs.otherCa } });
    expect(message).toMatch(/unknown CA/);
    expect(message).toMatch(/database\.ssl\.ca_file/);
  });

  it('fails start naming an unknown CA when no CA is given (Node trusts only public CAs)', async () => {
    const message = await startFailure({ url: pgUrl('?sslmode=verify-full') });
    expect(message).toMatch(/unknown CA/);
  });

  it('fails start naming a host name mismatch', async () => {
    const message = await startFailure({
      url: pgUrl('?sslmode=verify-full'),
      ssl: { ca_file: certs.ca, servername: 'db.elsewhere.test' },
    });
    expect(message).toMatch(/host name mismatch/);
    expect(message).toMatch(/db\.elsewhere\.test/);
  });

  it('verify-ca accepts the right CA under any name; require accepts any certificate', async () => {
    expect(
      await startAndQuery(
        { url: pgUrl('?sslmode=verify-ca'), ssl: { ca_file: certs.ca, servername: 'db.elsewhere.test' } },
        pgSsl,
      ),
    ).toBe(true);
    expect(await startAndQuery({ url: pgUrl('?sslmode=require'), ssl: { ca_file: certs.otherCa } }, pgSsl)).toBe(true);
  });

  it('says TLS is required when a plain connection reaches the TLS-only server', async () => {
    const message = await startFailure({ url: pgUrl('?sslmode=disable') });
    expect(message).toMatch(/accepts only TLS/);
  });

  it('logs the certificate user in with its client certificate, where no certificate is refused', async () => {
    const user = USERS.cert.name;
    const refused = await startFailure({
      url: pgUrl('?sslmode=verify-full', `${user}:cert-user-password-not-accepted`),
      ssl: { ca_file: certs.ca },
    });
    expect(refused).toMatch(/client certificate/);
    const who = await startAndQuery(
      {
        url: pgUrl('?sslmode=verify-full', user),
        ssl: { ca_file: certs.ca, cert_file: certs.clientCert, key_file: certs.clientKey },
      },
      async (s) => (await s.db.knex.raw<{ rows: Array<{ u: string }> }>('SELECT current_user AS u')).rows[0]?.u,
    );
    expect(who).toBe(user);
  });

  it('refuses a wrong password, naming the authentication failure', async () => {
    const message = await startFailure({
      url: pgUrl('?sslmode=verify-full', `${USERS.app.name}:wrong-password`),
      ssl: { ca_file: certs.ca },
    });
    expect(message).toMatch(/password authentication failed/);
  });

  it('reports a missing CA file by its key before connecting', () => {
    let caught: unknown;
    try {
      stator({ url: pgUrl('?sslmode=verify-full'), ssl: { ca_file: `${dir}/no-such-ca.pem` } });
    } catch (error) {
      caught = error;
    }
    expect(isConfigInvalidError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/database\.ssl\.ca_file: cannot read .*no-such-ca\.pem: no such file/);
  });
});

const mariaUrl = (host: string, query: string, user = `${USERS.app.name}:${pw}`): string =>
  `mariadb://${user}@${host}:${MARIA_PORT}/test${query}`;
const mariaCipher = async (s: Stator): Promise<string> => {
  const [rows] = (await s.db.knex.raw("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as [Array<{ Value: string }>];
  return rows[0]?.Value ?? '';
};

describe('MariaDB over TLS (require_secure_transport; certificate for localhost)', () => {
  it('connects through its URL with ssl-mode=VERIFY_IDENTITY and the right CA, encrypted', async () => {
    expect(
      await startAndQuery(
        { url: mariaUrl('localhost', '?ssl-mode=VERIFY_IDENTITY'), ssl: { ca_file: certs.ca } },
        mariaCipher,
      ),
    ).not.toBe('');
  });

  it('fails start naming an unknown CA (wrong CA, and no CA)', async () => {
    expect(
      await startFailure({ url: mariaUrl('localhost', '?sslmode=verify-full'), ssl: { ca_file: certs.otherCa } }),
    ).toMatch(/unknown CA/);
    expect(await startFailure({ url: mariaUrl('localhost', '?sslmode=verify-full') })).toMatch(/unknown CA/);
  });

  it('fails start naming a host name mismatch when connecting by an address the certificate does not list', async () => {
    expect(
      await startFailure({ url: mariaUrl('127.0.0.1', '?sslmode=verify-full'), ssl: { ca_file: certs.ca } }),
    ).toMatch(/host name mismatch/);
  });

  it('says TLS may be required when a plain connection reaches it', async () => {
    // MariaDB answers with a bare "Access denied" (1045): the message says what it may mean.
    const message = await startFailure({ url: mariaUrl('127.0.0.1', '?ssl-mode=DISABLED') });
    expect(message).toMatch(/plain \(unencrypted\) login/);
    expect(message).toMatch(/accepts only TLS \(require_secure_transport\)/);
  });

  it('logs the certificate user in with its client certificate, where its password alone is refused', async () => {
    const user = `${USERS.cert.name}:cert-user-password`;
    const refused = await startFailure({
      url: mariaUrl('localhost', '?sslmode=verify-full', user),
      ssl: { ca_file: certs.ca },
    });
    expect(refused).toMatch(/Access denied/);
    const cipher = await startAndQuery(
      {
        url: mariaUrl('localhost', '?sslmode=verify-full', user),
        ssl: { ca_file: certs.ca, cert_file: certs.clientCert, key_file: certs.clientKey },
      },
      mariaCipher,
    );
    expect(cipher).not.toBe('');
  });
});
