import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { makeCertificates, makeTempDir, removeTempDir } from './tls-servers.js';

// Every YAML sample of docs/connections.md loads as written, with its certificate files
// (certs/ca.pem, certs/client.pem, certs/client.key made by openssl) and environment.
const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/connections.md'), 'utf8');
const samples = [...doc.matchAll(/```yaml[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1] as string);
let dir = '';

beforeAll(() => {
  dir = makeTempDir('docs');
  const certs = makeCertificates(dir);
  mkdirSync(join(dir, 'certs'));
  copyFileSync(certs.ca, join(dir, 'certs', 'ca.pem'));
  copyFileSync(certs.clientCert, join(dir, 'certs', 'client.pem'));
  copyFileSync(certs.clientKey, join(dir, 'certs', 'client.key'));
  writeFileSync(join(dir, 'db-password'), 'from-a-secret-file\n');
});
afterAll(() => removeTempDir(dir));

const env = {
  DATABASE_URL: 'postgres://app:s3cret@db.internal:5432/app?sslmode=verify-full',
  REDIS_URL: 'rediss://default:s3cret@cache.internal:6380/0',
  DB_PASSWORD: 'db-password-value',
  REDIS_PASSWORD: 'redis-password-value',
  MEMCACHED_PASSWORD: 'memcached-password-value',
};

describe('docs/connections.md samples', () => {
  it('has samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(samples.map((s, i) => [i, s] as const))('sample %i loads', (i, sample) => {
    const text = sample.replace('secrets/db-password', join(dir, 'db-password'));
    const file = join(dir, `sample-${i}.yaml`);
    writeFileSync(file, text);
    const config = loadConfig(file, { env, cwd: dir });
    if (text.includes('memcached://'))
      expect(config.cache).toMatchObject({
        driver: 'memcached',
        servers: ['mc1.internal:11211', 'mc2.internal:11211'],
        username: 'app',
      });
    if (text.includes('ssl:')) expect(config.database.ssl.mode).toBe('verify-full');
    if (text.includes('tls:')) expect(config.cache.tls?.ca_file).toBe(join(dir, 'certs', 'ca.pem'));
    if (text.includes('password_file')) expect(config.database.password).toBe('from-a-secret-file');
  });
});
