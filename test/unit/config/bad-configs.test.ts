import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import { configError, tempDir } from './helpers.js';

const tmp = tempDir('bad-config');
afterAll(() => tmp.cleanup());

/** A configuration object with deliberately wrong types: the point of these cases. */
const cfg = (value: Record<string, unknown>): StatorConfigInput => value as StatorConfigInput;

interface Case {
  readonly name: string;
  readonly config: StatorConfigInput;
  readonly problems: readonly (readonly [path: string, message: string])[];
}

// Each configuration is wrong in exactly one way (or the listed ways), in code.
const objectCases: readonly Case[] = [
  {
    name: 'port not a number',
    config: cfg({ database: { port: 'abc' } }),
    problems: [['database.port', 'expected an integer from 1 to 65535, got "abc"']],
  },
  {
    name: 'port out of range',
    config: cfg({ database: { port: 70000 } }),
    problems: [['database.port', 'expected an integer from 1 to 65535, got 70000']],
  },
  {
    name: 'port written as a numeric string',
    config: cfg({ cache: { port: '6379' } }),
    problems: [['cache.port', 'expected an integer from 1 to 65535, got "6379"; write the number without quotes']],
  },
  {
    name: 'unknown cache driver, near miss',
    config: cfg({ cache: { driver: 'memcache' } }),
    problems: [['cache.driver', 'expected one of memory, redis, memcached, got "memcache"; did you mean `memcached`?']],
  },
  {
    name: 'unknown database driver, prefix of a known one',
    config: cfg({ database: { driver: 'postgres' } }),
    problems: [
      ['database.driver', 'expected one of sqlite, postgresql, mysql, got "postgres"; did you mean `postgresql`?'],
    ],
  },
  {
    name: 'unknown driver, nothing close',
    config: cfg({ database: { driver: 'oracle' } }),
    problems: [['database.driver', 'expected one of sqlite, postgresql, mysql, got "oracle"']],
  },
  {
    name: 'misspelled key',
    config: cfg({ cache: { retry_attemps: 3 } }),
    problems: [['cache.retry_attemps', 'unknown key; did you mean `retry_attempts`?']],
  },
  {
    name: 'misspelled section',
    config: cfg({ databse: {} }),
    problems: [['databse', 'unknown key; did you mean `database`?']],
  },
  {
    name: 'misspelled key deep down',
    config: cfg({ error_handling: { circuit_breaker: { treshold: 0.5 } } }),
    problems: [['error_handling.circuit_breaker.treshold', 'unknown key; did you mean `threshold`?']],
  },
  {
    name: 'key in the wrong section',
    config: cfg({ database: { max_lifetime: 10 } }),
    problems: [['database.max_lifetime', 'unknown key; `max_lifetime` belongs under `connection_pool.max_lifetime`']],
  },
  {
    name: 'negative duration',
    config: cfg({ cache: { timeout: -1 } }),
    problems: [['cache.timeout', 'expected a duration in seconds, 0 or more, got -1']],
  },
  {
    name: 'fractional count',
    config: cfg({ cache: { retry_attempts: 2.5 } }),
    problems: [['cache.retry_attempts', 'expected an integer of 0 or more, got 2.5']],
  },
  {
    name: 'ratio above 1',
    config: cfg({ monitoring: { alert_threshold: 1.5 } }),
    problems: [['monitoring.alert_threshold', 'expected a ratio from 0 to 1, got 1.5']],
  },
  {
    name: 'boolean written as yes',
    config: cfg({ transaction: { deadlock_retry: 'yes' } }),
    problems: [['transaction.deadlock_retry', 'expected true or false, got "yes"']],
  },
  {
    name: 'isolation level in lower case',
    config: cfg({ transaction: { isolation_level: 'serializable' } }),
    problems: [
      [
        'transaction.isolation_level',
        'expected one of READ_UNCOMMITTED, READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE, got "serializable"; did you mean `SERIALIZABLE`?',
      ],
    ],
  },
  {
    name: 'back-off misspelled',
    config: cfg({ error_handling: { retry: { backoff: 'exponental' } } }),
    problems: [
      [
        'error_handling.retry.backoff',
        'expected one of constant, linear, exponential, got "exponental"; did you mean `exponential`?',
      ],
    ],
  },
  {
    name: 'permissions not a mode',
    config: cfg({ filesystem: { permissions: 'rwxr-xr-x' } }),
    problems: [
      [
        'filesystem.permissions',
        'expected a file mode in octal such as 0755 (a number, or a string "0755"), got "rwxr-xr-x"',
      ],
    ],
  },
  {
    name: 'permissions with a non-octal digit',
    config: cfg({ filesystem: { permissions: 789 } }),
    problems: [
      ['filesystem.permissions', 'expected a file mode in octal such as 0755 (a number, or a string "0755"), got 789'],
    ],
  },
  {
    name: 'required_dirs not a list',
    config: cfg({ filesystem: { required_dirs: 'logs' } }),
    problems: [['filesystem.required_dirs', 'expected a list, got "logs"']],
  },
  {
    name: 'empty directory name',
    config: cfg({ filesystem: { required_dirs: ['logs', ''] } }),
    problems: [['filesystem.required_dirs[1]', 'expected a non-empty string, got ""']],
  },
  {
    name: 'required dir escaping base_path',
    config: cfg({ filesystem: { required_dirs: ['logs', '../etc'] } }),
    problems: [
      [
        'filesystem.required_dirs[1]',
        'expected a directory relative to filesystem.base_path that stays inside it, got "../etc"',
      ],
    ],
  },
  {
    name: 'absolute required dir',
    config: cfg({ filesystem: { required_dirs: ['/var/log'] } }),
    problems: [
      [
        'filesystem.required_dirs[0]',
        'expected a directory relative to filesystem.base_path that stays inside it, got "/var/log"',
      ],
    ],
  },
  {
    name: 'min_connections above max_connections',
    config: cfg({ connection_pool: { min_connections: 20 } }),
    problems: [['connection_pool.min_connections', 'expected at most connection_pool.max_connections (10), got 20']],
  },
  {
    name: 'memcached servers with redis',
    config: cfg({ cache: { driver: 'redis', servers: ['a:11211'] } }),
    problems: [
      [
        'cache.servers',
        'only allowed with cache.driver memcached, got driver "redis"; remove it or set cache.driver: memcached',
      ],
    ],
  },
  {
    name: 'redis cluster with memcached',
    config: cfg({ cache: { driver: 'memcached', cluster: { nodes: [{ host: 'a', port: 7000 }] } } }),
    problems: [
      [
        'cache.cluster',
        'only allowed with cache.driver redis, got driver "memcached"; remove it or set cache.driver: redis',
      ],
    ],
  },
  {
    name: 'cluster and sentinel together',
    config: cfg({
      cache: {
        driver: 'redis',
        cluster: { nodes: [{ host: 'a', port: 7000 }] },
        sentinel: { name: 'm', nodes: [{ host: 'b', port: 26379 }] },
      },
    }),
    problems: [
      ['cache.sentinel', 'cannot be combined with cache.cluster, got both; keep the one your Redis deployment uses'],
    ],
  },
  {
    name: 'bad port of a cluster node',
    config: cfg({ cache: { driver: 'redis', cluster: { nodes: [{ host: 'a', port: 0 }] } } }),
    problems: [['cache.cluster.nodes[0].port', 'expected an integer from 1 to 65535, got 0']],
  },
  {
    name: 'missing sentinel name',
    config: cfg({ cache: { driver: 'redis', sentinel: { nodes: [{ host: 'b', port: 26379 }] } } }),
    problems: [['cache.sentinel.name', 'expected a string, got nothing']],
  },
  {
    name: 'memcached server without port',
    config: cfg({ cache: { driver: 'memcached', servers: ['cache-1'] } }),
    problems: [['cache.servers[0]', 'expected "host:port", got "cache-1"']],
  },
  {
    name: 'max_delay below delay',
    config: cfg({ error_handling: { retry: { delay: 5, max_delay: 1 } } }),
    problems: [['error_handling.retry.max_delay', 'expected at least error_handling.retry.delay (5), got 1']],
  },
  {
    name: 'section that is a list',
    config: cfg({ database: ['postgresql'] }),
    problems: [['database', 'expected a mapping of keys to values, got ["postgresql"]']],
  },
  {
    name: 'password of the wrong type is not shown',
    config: cfg({ database: { password: 12345678 } }),
    problems: [['database.password', 'expected a string, got [REDACTED]']],
  },
  {
    name: 'password and password_file together',
    config: cfg({ database: { password: 'x-secret-1', password_file: '/run/secrets/db' } }),
    problems: [['database.password_file', 'give either password or password_file, not both']],
  },
];

describe('loadConfig rejects bad configuration objects', () => {
  it.each(objectCases)('$name', ({ config, problems }) => {
    const error = configError(() => loadConfig(config, { cwd: tmp.dir, env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems.map((p) => [p.path, p.message])).toEqual(problems);
    for (const [path, message] of problems) expect(error.message).toContain(`${path}: ${message}`);
  });

  it('lists every problem at once, not only the first', () => {
    const error = configError(() =>
      loadConfig(cfg({ cache: { driver: 'memcache', port: 'x' }, database: { port: 0 }, caches: {} }), {
        cwd: tmp.dir,
        env: {},
      }),
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual(['cache.driver', 'cache.port', 'caches', 'database.port']);
  });

  it('rejects a configuration that is not a mapping', () => {
    const error = configError(() => loadConfig(['cache'] as unknown as StatorConfigInput, { cwd: tmp.dir }));
    expect(error.problems).toEqual([
      { path: '', message: 'expected a mapping of sections (cache, database, filesystem, ...) at the top, got a list' },
    ]);
  });
});

describe('loadConfig rejects bad YAML files', () => {
  const yamlCase = (text: string, env: Record<string, string> = {}) => {
    const file = tmp.write(`case-${Math.random().toString(36).slice(2)}.yaml`, text);
    return configError(() => loadConfig(file, { cwd: tmp.dir, env }));
  };

  it('names a missing environment variable and its path', () => {
    const error = yamlCase('database:\n  driver: postgresql\n  password: ${DB_PASSWORD}\n');
    expect(error.problems).toEqual([
      {
        path: 'database.password',
        message: 'environment variable DB_PASSWORD is not set; export it, or give a default with ${DB_PASSWORD:-value}',
      },
    ]);
  });

  it('reports a non-numeric port from the environment with the value', () => {
    const error = yamlCase('database:\n  port: ${DB_PORT:-5432}\n', { DB_PORT: 'abc' });
    expect(error.problems).toEqual([
      { path: 'database.port', message: 'expected an integer from 1 to 65535, got "abc"' },
    ]);
  });

  it('reports a malformed reference', () => {
    const error = yamlCase('cache:\n  host: ${1HOST}\n');
    expect(error.problems).toEqual([
      {
        path: 'cache.host',
        message: '${1HOST} is not a valid reference; write ${NAME} or ${NAME:-default} (or $${ for a literal ${)',
      },
    ]);
  });

  it('reports an unterminated reference', () => {
    const error = yamlCase('cache:\n  host: "${HOST"\n');
    expect(error.problems).toEqual([
      {
        path: 'cache.host',
        message: '${HOST is not a valid reference; write ${NAME} or ${NAME:-default} (or $${ for a literal ${)',
      },
    ]);
  });

  it('keeps a quoted number a string and says so', () => {
    const error = yamlCase('connection_pool:\n  max_connections: "20"\n');
    expect(error.problems).toEqual([
      {
        path: 'connection_pool.max_connections',
        message: 'expected an integer of 1 or more, got "20"; write the number without quotes',
      },
    ]);
  });

  it('gives line and column of a syntax error', () => {
    const error = yamlCase('cache:\n  driver: [redis\nx: 1\n');
    expect(error.problems).toEqual([
      {
        path: '',
        line: 3,
        column: 1,
        message:
          'line 3, column 1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      },
    ]);
  });

  it('lists every syntax error of the file', () => {
    const error = yamlCase('cache:\n  driver: redis\n   port: 6379\n');
    expect(error.problems.map((p) => [p.line, p.column])).toEqual([
      [2, 11],
      [2, 11],
    ]);
  });

  it('reports a duplicated key with its line', () => {
    const error = yamlCase('cache:\n  driver: redis\n  driver: memory\n');
    expect(error.problems[0]).toMatchObject({ path: '', line: 3, column: 3 });
    expect(error.problems[0]?.message).toBe('line 3, column 3: YAML syntax error: Map keys must be unique');
  });

  it('names a missing file', () => {
    const error = configError(() => loadConfig('nope/stator.yaml', { cwd: tmp.dir }));
    expect(error.origin).toBe('nope/stator.yaml');
    expect(error.problems).toEqual([
      {
        path: '',
        message: `configuration file ${tmp.dir}/nope/stator.yaml not found; check the path, or give no file to run on the embedded default`,
      },
    ]);
  });

  it('names an unreadable password_file', () => {
    const error = yamlCase('database:\n  password_file: secrets/missing\n');
    expect(error.problems).toEqual([
      {
        path: 'database.password_file',
        message: `cannot read ${tmp.dir}/secrets/missing: no such file; check the path (relative paths start from the working directory)`,
      },
    ]);
  });
});
