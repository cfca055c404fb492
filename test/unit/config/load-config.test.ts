import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('load-config');
afterAll(() => tmp.cleanup());

const yaml = (text: string, env: Record<string, string> = {}) =>
  loadConfig(tmp.write(`c-${Math.random().toString(36).slice(2)}.yaml`, text), { cwd: tmp.dir, env });

describe('embedded default', () => {
  it('runs on a memory cache and SQLite under ./var when given nothing', () => {
    const config = loadConfig(undefined, { cwd: tmp.dir, env: {} });
    expect(config.cache.driver).toBe('memory');
    expect(config.database.driver).toBe('sqlite');
    expect(config.database.filename).toBe('stator.sqlite');
    expect(config.filesystem.base_path).toBe(join(tmp.dir, 'var'));
    expect(config.filesystem.permissions).toBe(0o755);
    expect(config.filesystem.required_dirs).toEqual(['cache', 'logs', 'uploads']);
  });

  it('keeps the seed defaults and units', () => {
    const config = loadConfig(undefined, { cwd: tmp.dir, env: {} });
    expect(config.connection_pool).toMatchObject({
      max_connections: 10,
      idle_timeout: 300,
      max_lifetime: 3600,
      validation_interval: 60,
    });
    expect(config.transaction).toMatchObject({
      isolation_level: 'REPEATABLE_READ',
      timeout: 30,
      retry_attempts: 3,
      deadlock_retry: true,
    });
    expect(config.monitoring).toMatchObject({
      metrics_interval: 60,
      alert_threshold: 0.9,
      error_threshold: 0.1,
      performance_threshold: 1,
    });
    expect(config.error_handling.retry).toMatchObject({ max_attempts: 3, delay: 1, backoff: 'exponential' });
    expect(config.error_handling.circuit_breaker).toMatchObject({ threshold: 0.5, window: 60, reset_timeout: 300 });
    expect(config.error_handling.fallback).toMatchObject({ enabled: true, strategies: ['cache', 'local', 'default'] });
  });

  it('reads an empty file as the embedded default', () => {
    expect(yaml('').cache.driver).toBe('memory');
    expect(yaml('# nothing configured\n').database.driver).toBe('sqlite');
  });
});

describe('configuration object in code', () => {
  it("validates it, applies defaults and does not touch the caller's object", () => {
    const input: StatorConfigInput = {
      database: { driver: 'postgresql', port: 5432, database: 'app' },
      filesystem: { permissions: 0o700, base_path: 'data' },
    };
    const copy = structuredClone(input);
    const config = loadConfig(input, { cwd: tmp.dir, env: {} });
    expect(config.database).toMatchObject({ driver: 'postgresql', port: 5432, database: 'app', host: '127.0.0.1' });
    expect(config.filesystem.permissions).toBe(0o700);
    expect(config.filesystem.base_path).toBe(join(tmp.dir, 'data'));
    expect(input).toEqual(copy);
  });

  it('does not interpolate or coerce strings in code', () => {
    const config = loadConfig({ cache: { key_prefix: '${APP}:' } }, { cwd: tmp.dir, env: { APP: 'x' } });
    expect(config.cache.key_prefix).toBe('${APP}:');
  });

  it('keeps an absolute base_path as it is', () => {
    expect(loadConfig({ filesystem: { base_path: '/srv/stator' } }, { cwd: tmp.dir }).filesystem.base_path).toBe(
      '/srv/stator',
    );
  });
});

describe('YAML with ${ENV} interpolation', () => {
  const file = [
    'cache:',
    '  driver: ${CACHE_DRIVER:-redis}',
    '  host: ${CACHE_HOST}',
    '  key_prefix: "app_${ENV_NAME}:"',
    'database:',
    '  driver: postgresql',
    '  port: ${DB_PORT:-5432}',
    '  database: ${DB_NAME-stator}',
    '  username: ${DB_USER:-}',
    'transaction:',
    '  deadlock_retry: ${DEADLOCK_RETRY:-true}',
    'monitoring:',
    '  alert_threshold: ${ALERT:-0.75}',
    '',
  ].join('\n');

  it('uses defaults when variables are unset', () => {
    const config = yaml(file, { CACHE_HOST: 'cache.internal', ENV_NAME: 'prod' });
    expect(config.cache).toMatchObject({ driver: 'redis', host: 'cache.internal', key_prefix: 'app_prod:' });
    expect(config.database).toMatchObject({ port: 5432, database: 'stator', username: '' });
    expect(config.transaction.deadlock_retry).toBe(true);
    expect(config.monitoring.alert_threshold).toBe(0.75);
  });

  it('takes values from the environment, typed where the schema expects a number or a boolean', () => {
    const config = yaml(file, {
      CACHE_HOST: '10.0.0.7',
      ENV_NAME: 'dev',
      CACHE_DRIVER: 'memcached',
      DB_PORT: '6543',
      DEADLOCK_RETRY: 'false',
      ALERT: '0.5',
    });
    expect(config.cache.driver).toBe('memcached');
    expect(config.database.port).toBe(6543);
    expect(config.transaction.deadlock_retry).toBe(false);
    expect(config.monitoring.alert_threshold).toBe(0.5);
  });

  it('keeps a numeric-looking value a string where a string is expected', () => {
    const config = yaml(file, { CACHE_HOST: '1234', ENV_NAME: '42' });
    expect(config.cache.host).toBe('1234');
    expect(config.cache.key_prefix).toBe('app_42:');
  });

  it('distinguishes ${X:-d} (unset or empty) from ${X-d} (unset only)', () => {
    const config = yaml('database:\n  database: ${A-fallback}\n  username: ${B:-fallback}\n', { A: 'set', B: '' });
    expect(config.database.database).toBe('set');
    expect(config.database.username).toBe('fallback');
    // Where they differ: X set and empty. `${X-d}` keeps the empty value, `${X:-d}` takes d.
    const text = 'cache:\n  key_prefix: "${X-d}"\ndatabase:\n  username: ${X:-d}\n';
    const empty = yaml(text, { X: '' });
    expect({ dash: empty.cache.key_prefix, colonDash: empty.database.username }).toEqual({ dash: '', colonDash: 'd' });
    // X unset: both take d.
    const unset = yaml(text, {});
    expect({ dash: unset.cache.key_prefix, colonDash: unset.database.username }).toEqual({ dash: 'd', colonDash: 'd' });
  });

  it('writes a literal ${ for $${', () => {
    expect(yaml('cache:\n  key_prefix: "$${NOT_A_VAR}"\n').cache.key_prefix).toBe('${NOT_A_VAR}');
  });

  it('interpolates inside anchors shared by aliases', () => {
    const config = yaml('cache:\n  host: &host ${H}\ndatabase:\n  host: *host\n', { H: 'h1.internal' });
    expect(config.cache.host).toBe('h1.internal');
    expect(config.database.host).toBe('h1.internal');
  });
});

describe('file modes', () => {
  it.each([
    ['0755', 0o755],
    ['0700', 0o700],
    ['0o750', 0o750],
    ['"0644"', 0o644],
    ['755', 0o755],
    ['${MODE:-0770}', 0o770],
  ])('permissions: %s is octal', (text, mode) => {
    expect(yaml(`filesystem:\n  permissions: ${text}\n`).filesystem.permissions).toBe(mode);
  });

  it('does not turn other numbers with a leading zero into strings', () => {
    expect(yaml('database:\n  port: 05432\n').database.port).toBe(5432);
  });
});

describe('password_file', () => {
  it('reads the password from the file, without its trailing newline, relative to cwd', () => {
    tmp.write('db-password', 'from-file-S3cret\n');
    const secrets = new SecretRegistry();
    const config = loadConfig(tmp.write('pf.yaml', 'database:\n  driver: postgresql\n  password_file: db-password\n'), {
      cwd: tmp.dir,
      env: {},
      secrets,
    });
    expect(config.database.password).toBe('from-file-S3cret');
    expect(secrets.scrub('login failed: from-file-S3cret')).toBe('login failed: [REDACTED]');
  });

  it('works for the cache too, from an object', () => {
    const file = tmp.write('cache-password', 'cache-pw-123\r\n');
    expect(loadConfig({ cache: { driver: 'redis', password_file: file } }, { cwd: '/' }).cache.password).toBe(
      'cache-pw-123',
    );
  });
});

describe('secrets registry', () => {
  it('registers every secret of a YAML configuration, from the environment and nested keys', () => {
    const secrets = new SecretRegistry();
    const text =
      'database:\n  password: ${DB_PASSWORD}\ncache:\n  driver: redis\n  sentinel:\n    name: m\n    nodes: [{ host: s, port: 26379 }]\n    password: sentinel-pw\n';
    loadConfig(tmp.write('s.yaml', text), { cwd: tmp.dir, env: { DB_PASSWORD: 'env-Pa55word' }, secrets });
    expect(secrets.scrub('x env-Pa55word y sentinel-pw')).toBe('x [REDACTED] y [REDACTED]');
  });

  it('registers webhook URLs, which carry tokens', () => {
    const secrets = new SecretRegistry();
    loadConfig(
      { monitoring: { webhooks: [{ url: 'https://hooks.example.com/T0/B0/xoxb-hook-secret' }] } },
      { cwd: tmp.dir, secrets },
    );
    expect(secrets.scrub('POST https://hooks.example.com/T0/B0/xoxb-hook-secret failed')).toBe(
      'POST [REDACTED] failed',
    );
  });

  it('registers the secrets of a configuration object', () => {
    const secrets = new SecretRegistry();
    loadConfig({ database: { password: 'code-Pa55word' } }, { cwd: tmp.dir, secrets });
    expect(secrets.scrub('a code-Pa55word b')).toBe('a [REDACTED] b');
  });
});
