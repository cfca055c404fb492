import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../../src/config/config-summary.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { isConfigInvalidError } from '../../../src/errors/config-invalid-error.js';
import { SecretRegistry } from '../../../src/logging/redact.js';

const problemsOf = (config: StatorConfigInput): string => {
  try {
    loadConfig(config);
  } catch (error) {
    if (isConfigInvalidError(error)) return error.message;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
};

describe('database.url', () => {
  it('fills driver, host, port, database and credentials; percent-escapes are decoded', () => {
    const { database } = loadConfig({
      database: { url: 'postgresql://app:p%40ss%3Aword@db.internal:6543/orders?sslmode=verify-ca' },
    });
    expect(database).toMatchObject({
      driver: 'postgresql',
      host: 'db.internal',
      port: 6543,
      database: 'orders',
      username: 'app',
      password: 'p@ss:word',
      ssl: { mode: 'verify-ca' },
    });
  });

  it('lets keys written beside the URL win, then applies the defaults', () => {
    const { database } = loadConfig({
      database: {
        url: 'mysql://app:pw@db.internal/orders',
        database: 'reports',
        password: 'from-key',
        ssl: { mode: 'require' },
      },
    });
    expect(database).toMatchObject({
      driver: 'mysql',
      host: 'db.internal',
      port: undefined,
      database: 'reports',
      password: 'from-key',
      ssl: { mode: 'require' },
    });
    expect(loadConfig({}).database).toMatchObject({
      driver: 'sqlite',
      host: '127.0.0.1',
      database: 'stator',
      filename: 'stator.sqlite',
      ssl: { mode: 'disable' },
    });
  });

  it('reads mariadb:// and MySQL ssl-mode names, and sqlite: / file: paths', () => {
    expect(loadConfig({ database: { url: 'mariadb://u@h/d?ssl-mode=VERIFY_IDENTITY' } }).database).toMatchObject({
      driver: 'mysql',
      ssl: { mode: 'verify-full' },
    });
    expect(loadConfig({ database: { url: 'sqlite:data/app.db' } }).database).toMatchObject({
      driver: 'sqlite',
      filename: 'data/app.db',
    });
    expect(loadConfig({ database: { url: 'file:///srv/app.db' } }).database).toMatchObject({
      driver: 'sqlite',
      filename: '/srv/app.db',
    });
    expect(loadConfig({ database: { url: 'sqlite::memory:' } }).database).toMatchObject({
      driver: 'sqlite',
      filename: ':memory:',
    });
  });

  it('defaults to verify-full when ssl is written without a mode, and to the URL sslmode otherwise', () => {
    expect(
      loadConfig({ database: { driver: 'postgresql', ssl: { servername: 'db.example.com' } } }).database.ssl.mode,
    ).toBe('verify-full');
    expect(loadConfig({ database: { url: 'postgres://h/d?sslmode=require', ssl: {} } }).database.ssl.mode).toBe(
      'require',
    );
    expect(
      loadConfig({ database: { url: 'postgres://h/d', ssl: { reject_unauthorized: false } } }).database.ssl.mode,
    ).toBe('require');
  });

  it('refuses a malformed URL by its path without repeating it (nor its password)', () => {
    const message = problemsOf({ database: { url: 'postgres://app:Hunter2-secret@db.internal:99999/orders' } });
    expect(message).toMatch(
      /database\.url: expected a URL like .*, but the port of the host is not a number from 1 to 65535/,
    );
    expect(message).not.toMatch(/Hunter2-secret|db\.internal|99999/);
    expect(problemsOf({ database: { url: 'oracle://h/d' } })).toMatch(
      /the scheme "oracle:" is not one of postgres:\/\//,
    );
    expect(problemsOf({ database: { url: 'postgres://h/d?sslmode=prefer' } })).toMatch(
      /sslmode=prefer is not supported: it falls back to plain text/,
    );
    expect(problemsOf({ database: { url: 'postgres://h/d?schema=x' } })).toMatch(
      /the parameter "schema" is not supported/,
    );
  });

  it('refuses a driver that contradicts the scheme, and contradictory TLS settings', () => {
    expect(problemsOf({ database: { url: 'postgres://h/d', driver: 'mysql' } })).toMatch(
      /database\.driver: expected postgresql to match the scheme/,
    );
    expect(
      problemsOf({ database: { driver: 'postgresql', ssl: { mode: 'verify-full', reject_unauthorized: false } } }),
    ).toMatch(/database\.ssl\.reject_unauthorized: contradicts ssl\.mode verify-full/);
    expect(problemsOf({ database: { url: 'mysql://h/d', ssl: { servername: 'x' } } })).toMatch(
      /database\.ssl\.servername: is not supported by mysql2/,
    );
  });

  it('suggests the key meant for a typo under ssl', () => {
    expect(problemsOf({ database: { driver: 'postgresql', ssl: { ca_flie: '/x' } as never } })).toMatch(
      /database\.ssl\.ca_flie: unknown key; did you mean `ca_file`\?/,
    );
  });

  it('names a missing certificate file by its key', () => {
    expect(
      problemsOf({ database: { url: 'postgres://h/d?sslmode=verify-full', ssl: { ca_file: '/nonexistent/ca.pem' } } }),
    ).toMatch(/database\.ssl\.ca_file: cannot read \/nonexistent\/ca\.pem: no such file/);
  });

  it("registers the URL's password as a secret, decoded and encoded", () => {
    const secrets = new SecretRegistry();
    loadConfig({ database: { url: 'postgres://app:p%40ss-word@h/d' } }, { secrets });
    expect(secrets.scrub('failed for p@ss-word and p%40ss-word')).toBe('failed for [REDACTED] and [REDACTED]');
  });
});

describe('what `stator check` shows of a URL configuration', () => {
  it('names where and whether TLS is on, never the credentials', () => {
    const config = loadConfig({
      database: { url: 'postgres://app:Summary-s3cret@db.internal:5432/app?sslmode=verify-ca' },
      cache: { url: 'rediss://app:Summary-s3cret@cache.internal:6380/1' },
    });
    const summary = summarizeConfig(config);
    expect(summary.find((r) => r.name === 'database')?.location).toBe('db.internal:5432/app over TLS (verify-ca)');
    expect(summary.find((r) => r.name === 'cache')?.location).toBe('cache.internal:6380 db 1 over TLS');
    expect(JSON.stringify(summary)).not.toContain('Summary-s3cret');
  });
});

describe('cache.url', () => {
  it('reads rediss:// (TLS on), the db number and the ACL user', () => {
    const { cache } = loadConfig({ cache: { url: 'rediss://app:pw@cache.internal:6380/2' } });
    expect(cache).toMatchObject({
      driver: 'redis',
      host: 'cache.internal',
      port: 6380,
      db: 2,
      username: 'app',
      password: 'pw',
      tls: { reject_unauthorized: true },
    });
    expect(loadConfig({ cache: { url: 'redis://h' } }).cache.tls).toBeUndefined();
  });

  it('reads redis+sentinel:// (sentinels, master name, db) and memcached:// with several hosts', () => {
    expect(loadConfig({ cache: { url: 'redis+sentinel://:pw@s1:26379,s2/mymaster/1' } }).cache).toMatchObject({
      driver: 'redis',
      db: 1,
      password: 'pw',
      sentinel: {
        name: 'mymaster',
        nodes: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
      },
    });
    expect(loadConfig({ cache: { url: 'memcached://u:p@mc1:11211,[::1]:11212' } }).cache).toMatchObject({
      driver: 'memcached',
      servers: ['mc1:11211', '[::1]:11212'],
      username: 'u',
      password: 'p',
    });
  });

  it('refuses TLS with memcached, several hosts in a redis:// URL, and unknown parameters', () => {
    expect(problemsOf({ cache: { driver: 'memcached', tls: {} } })).toMatch(
      /cache\.tls: is not available with memcached: memjs speaks no TLS/,
    );
    expect(problemsOf({ cache: { url: 'redis://a:1,b:2' } })).toMatch(
      /several hosts; list the nodes of a Redis Cluster under cache\.cluster\.nodes/,
    );
    expect(problemsOf({ cache: { url: 'redis://h?tls=1' } })).toMatch(/the parameter "tls" is not supported/);
  });
});
