import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { configError, tempDir } from './helpers.js';

const tmp = tempDir('config-secrets');
afterAll(() => tmp.cleanup());

const PASSWORD = 'Sup3r-S3cret-pw!';

/** Every text a caller could print or log from the error. */
const texts = (error: Error & { problems: readonly object[] }): string[] => [
  error.message,
  String(error.stack),
  String(error),
  JSON.stringify(error),
  JSON.stringify(error.problems),
];

describe('a password never appears in configuration errors', () => {
  const cases: readonly [string, StatorConfigInput][] = [
    ['password of a wrong type', { database: { password: 987654321 } } as unknown as StatorConfigInput],
    [
      'password copied into a field that rejects it',
      { database: { password: PASSWORD, port: PASSWORD } } as unknown as StatorConfigInput,
    ],
    ['password under a misspelled key', { database: { passwrd: PASSWORD } } as unknown as StatorConfigInput],
    [
      'sentinel password beside a broken node',
      {
        cache: { driver: 'redis', sentinel: { name: 'm', password: PASSWORD, nodes: [{ host: 'h', port: PASSWORD }] } },
      } as unknown as StatorConfigInput,
    ],
    [
      'password in a URL where a number belongs',
      { cache: { timeout: `redis://user:${PASSWORD}@host:6379` } } as unknown as StatorConfigInput,
    ],
    ['token in an unknown section', { credentials: { api_token: PASSWORD } } as unknown as StatorConfigInput],
    [
      'webhook URL carrying a token, with a bad scheme',
      { monitoring: { webhooks: [{ url: `ftp://hooks.example.com/${PASSWORD}` }] } } as unknown as StatorConfigInput,
    ],
    [
      'secret files that cannot be read leave no secret behind',
      { database: { password: PASSWORD, password_file: '/nonexistent' } } as unknown as StatorConfigInput,
    ],
  ];

  it.each(cases)('%s', (_name, config) => {
    const error = configError(() => loadConfig(config, { cwd: tmp.dir, env: {} }));
    expect(error.problems.length).toBeGreaterThan(0);
    for (const text of texts(error)) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('987654321');
    }
  });

  it('shows the redacted marker where the value would have been', () => {
    const error = configError(() =>
      loadConfig({ database: { password: PASSWORD, port: PASSWORD } } as unknown as StatorConfigInput, {
        cwd: tmp.dir,
      }),
    );
    expect(error.problems).toEqual([
      { path: 'database.port', message: 'expected an integer from 1 to 65535, got "[REDACTED]"' },
    ]);
  });

  it('keeps a password from the environment or a password_file out of YAML errors', () => {
    tmp.write('pw', `${PASSWORD}\n`);
    const file = tmp.write(
      'bad.yaml',
      'database:\n  password: ${DB_PASSWORD}\n  host: ""\ncache:\n  password_file: pw\n  retry_delay: ${DB_PASSWORD}\n  port: ${CACHE_PW_AS_PORT}\n',
    );
    const error = configError(() =>
      loadConfig(file, { cwd: tmp.dir, env: { DB_PASSWORD: PASSWORD, CACHE_PW_AS_PORT: PASSWORD } }),
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual(['cache.port', 'cache.retry_delay', 'database.host']);
    for (const text of texts(error)) expect(text).not.toContain(PASSWORD);
  });
});
