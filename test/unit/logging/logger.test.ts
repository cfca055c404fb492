import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';

const PASSWORD = 'db-Pa55word-42';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret.token';

/** A stream that keeps what it is given; `isTTY` pretends to be a terminal. */
function capture(isTTY = false): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY?: boolean };
  if (isTTY) stream.isTTY = true;
  return { stream, text: () => chunks.join('') };
}

function logAll(options: LoggerOptions): void {
  const logger = createLogger(options);
  logger.info(`connecting to postgres://app:${PASSWORD}@db:5432/app`);
  logger.info('login', {
    user: 'app',
    password: PASSWORD,
    nested: { api_key: 'k-123456', hosts: [`redis://:${PASSWORD}@cache:6379`] },
  });
  logger.warn('token %s refused', TOKEN);
  const error = new Error(`authentication failed for user "app" with password ${PASSWORD}`, {
    cause: new Error(`upstream said ${TOKEN}`),
  });
  logger.error(error);
  logger.error('query failed', { error });
  logger.debug(`below the level ${PASSWORD}`);
}

const secretsWith = (...values: string[]): SecretRegistry => {
  const registry = new SecretRegistry();
  for (const value of values) registry.add(value);
  return registry;
};

describe('logger redaction', () => {
  it.each(['json', 'pretty'] as const)('never writes a secret (%s)', (format) => {
    const out = capture();
    logAll({ format, stream: out.stream, secrets: secretsWith(PASSWORD, TOKEN), level: 'info' });
    const text = out.text();
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('k-123456');
    expect(text).not.toContain('below the level');
    expect(text).toContain('postgres://app:[REDACTED]@db:5432/app');
    expect(text).toContain('token [REDACTED] refused');
  });

  it('masks credentials in URLs and secret keys even without known values', () => {
    const out = capture();
    createLogger({ format: 'json', stream: out.stream }).info('dsn', {
      url: 'mysql://root:hunter22@db/x',
      client_secret: 'abc',
      password: '',
    });
    expect(JSON.parse(out.text())).toMatchObject({
      url: 'mysql://root:[REDACTED]@db/x',
      client_secret: '[REDACTED]',
      password: '',
    });
  });
});

describe('JSON format', () => {
  it('writes one JSON object a line with level, message, timestamp and scrubbed metadata', () => {
    const out = capture();
    logAll({ format: 'json', stream: out.stream, secrets: secretsWith(PASSWORD, TOKEN) });
    const entries = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => [e.level, e.message])).toEqual([
      ['info', 'connecting to postgres://app:[REDACTED]@db:5432/app'],
      ['info', 'login'],
      ['warn', 'token [REDACTED] refused'],
      ['error', 'authentication failed for user "app" with password [REDACTED]'],
      ['error', 'query failed'],
    ]);
    for (const entry of entries) expect(typeof entry.timestamp).toBe('string');
    expect(entries[1]).toMatchObject({
      user: 'app',
      password: '[REDACTED]',
      nested: { api_key: '[REDACTED]', hosts: ['redis://:[REDACTED]@cache:6379'] },
    });
    // An error logged by itself keeps its stack and cause, scrubbed.
    expect(entries[3]?.stack).toMatch(
      /^Error: authentication failed for user "app" with password \[REDACTED\]\n\s+at /,
    );
    expect(entries[3]?.cause).toMatchObject({ message: 'upstream said [REDACTED]' });
    expect(entries[4]?.error).toMatchObject({
      name: 'Error',
      message: 'authentication failed for user "app" with password [REDACTED]',
    });
  });

  it('does not modify the objects it is given', () => {
    const out = capture();
    const meta = { password: PASSWORD, url: `postgres://a:${PASSWORD}@h/db` };
    createLogger({ format: 'json', stream: out.stream }).info('x', meta);
    expect(meta).toEqual({ password: PASSWORD, url: `postgres://a:${PASSWORD}@h/db` });
  });
});

describe('pretty format', () => {
  it('writes a readable line per entry, with stacks indented below', () => {
    const out = capture();
    logAll({ format: 'pretty', stream: out.stream, secrets: secretsWith(PASSWORD, TOKEN) });
    const lines = out.text().split('\n');
    // eslint-disable-next-line no-control-regex
    const plain = lines.map((l) => l.replace(/\u001b\[\d+m/g, ''));
    expect(plain[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info connecting to postgres:\/\/app:\[REDACTED\]@db:5432\/app$/);
    expect(plain[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info login \{"user":"app","password":"\[REDACTED\]",/);
    const errorLine = plain.findIndex((l) => / error authentication failed/.test(l));
    expect(plain[errorLine + 1]).toMatch(
      /^ {4}Error: authentication failed for user "app" with password \[REDACTED\]$/,
    );
    expect(plain).toContain('    cause: Error: upstream said [REDACTED]');
  });
});

describe('format selection', () => {
  const saved = { NODE_ENV: process.env.NODE_ENV, LOG_FORMAT: process.env.LOG_FORMAT };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  const firstChar = (isTTY: boolean): string => {
    const out = capture(isTTY);
    createLogger({ stream: out.stream }).info('hello');
    return out.text()[0] ?? '';
  };

  it('is pretty on a terminal and JSON otherwise', () => {
    delete process.env.NODE_ENV;
    delete process.env.LOG_FORMAT;
    expect(firstChar(true)).toMatch(/\d/);
    expect(firstChar(false)).toBe('{');
  });

  it('is JSON in production, even on a terminal', () => {
    delete process.env.LOG_FORMAT;
    process.env.NODE_ENV = 'production';
    expect(firstChar(true)).toBe('{');
  });

  it('follows LOG_FORMAT', () => {
    process.env.NODE_ENV = 'production';
    process.env.LOG_FORMAT = 'pretty';
    expect(firstChar(false)).toMatch(/\d/);
  });
});
