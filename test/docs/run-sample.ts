import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config/index.js';
import type { Sample } from './markdown-samples.js';
import { createdBySample } from './stator-shim.js';

const here = import.meta.dirname;
const root = resolve(here, '../..');
/** Generated sample modules live here so that vitest compiles them like any test file. */
const runDir = join(here, '.run');

/** `doctest:env:NAME=value` flags: variables a sample needs set. */
export function sampleEnv(sample: Sample): Record<string, string> {
  return Object.fromEntries(
    sample.flags
      .filter((flag) => flag.startsWith('env:'))
      .map((flag) => {
        const [name = '', ...value] = flag.slice('env:'.length).split('=');
        return [name, value.join('=')];
      }),
  );
}

/** Certificate keys of a configuration, and the fixture each gets. */
const PEM_FIXTURES: Readonly<Record<string, string>> = {
  ca_file: 'ca.pem',
  cert_file: 'client.pem',
  key_file: 'client.key',
};

/** A placeholder secret long enough for every secret key (a JWT secret needs 32 characters). */
const PLACEHOLDER_SECRET = 'doc-sample-secret-0123456789abcdefghijklmnop';

/**
 * A fresh working directory for one sample, with the files its configuration names: every
 * relative `<secret>_file` path holds a placeholder secret, and `stator.yaml` is `config` (the
 * page's sample marked `doctest:stator.yaml`) or the embedded default.
 */
export function sampleDirectory(config: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'stator-doctest-'));
  const yaml = config ?? 'filesystem:\n  base_path: ./var\n';
  for (const [, key = '', path = ''] of yaml.matchAll(/\b(\w+_file):\s*['"]?([^'"\s,#}]+)/g)) {
    if (path.startsWith('/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    // Certificate files (database.ssl, cache.tls) must be PEM that fits together: a throwaway CA
    // and client certificate from test/docs/fixtures/tls.
    const pem = PEM_FIXTURES[key];
    if (pem) copyFileSync(join(import.meta.dirname, 'fixtures', 'tls', pem), join(dir, path));
    else writeFileSync(join(dir, path), `${PLACEHOLDER_SECRET}\n`);
  }
  writeFileSync(join(dir, 'stator.yaml'), yaml);
  return dir;
}

/** Validates a YAML sample with the configuration loader, as `stator check` would. */
export function validateYamlSample(sample: Sample): void {
  const dir = sampleDirectory(sample.code);
  try {
    loadConfig(join(dir, 'stator.yaml'), { env: { ...process.env, ...sampleEnv(sample) }, cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// One import statement (it may span lines, and end with a comment); never across an earlier `;`.
const IMPORT = /^import\s[^;]*?from\s+['"]([^'"]+)['"];?[ \t]*(?:\/\/[^\n]*)?$/gm;

/**
 * The module a TypeScript or JavaScript sample becomes. `stator` and `stator/testing` resolve to
 * this checkout. A sample that makes no Stator of its own is a fragment about `stator`: it runs
 * after `const stator = createStator(); await stator.start();` on the embedded default.
 */
export function sampleModule(sample: Sample, file: string): string {
  const shim = relative(dirname(file), join(here, 'stator-shim.js'));
  const testing = relative(dirname(file), join(root, 'src/testing.js'));
  const specifier = (name: string): string => (name === 'stator' ? shim : name === 'stator/testing' ? testing : name);
  const imports: string[] = [];
  const body = sample.code.replace(IMPORT, (statement: string) => {
    imports.push(
      statement.replace(
        /(from\s+)(['"])([^'"]+)\2/,
        (_, from: string, quote: string, name: string) => `${from}${quote}${specifier(name)}${quote}`,
      ),
    );
    return '';
  });
  // Left as `stator`, an import would quietly resolve to the last build in dist/.
  const unresolved = [...imports, body].find((text) => /from\s+['"]stator(\/testing)?['"]/.test(text));
  if (unresolved !== undefined)
    throw new Error(`${sample.page}:${sample.line}: an import of stator was not pointed at this checkout`);
  const fragment = /\bstator\./.test(sample.code) && !/\bcreateStator\s*\(/.test(sample.code);
  return [
    ...imports,
    ...(fragment
      ? [
          `import { createStator as createDocStator } from '${shim}';`,
          'const stator = createDocStator();',
          'await stator.start();',
        ]
      : []),
    body,
    'export {};',
  ].join('\n');
}

/** The real servers `doctest:needs-<name>` asks for, on their standard ports (scripts/services.sh). */
const SERVICES: Readonly<Record<string, number>> = { redis: 6379, memcached: 11211, postgresql: 5432, mysql: 3306 };

/** Fails, naming the server, when a server the sample needs does not accept connections. */
export async function requireServices(sample: Sample): Promise<void> {
  for (const flag of sample.flags.filter((f) => f.startsWith('needs-'))) {
    const name = flag.slice('needs-'.length);
    const port = SERVICES[name];
    if (port === undefined)
      throw new Error(
        `${sample.page}:${sample.line}: unknown doctest:${flag}; use one of ${Object.keys(SERVICES)
          .map((s) => `needs-${s}`)
          .join(', ')}`,
      );
    await new Promise<void>((resolveConnect, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolveConnect();
      });
      socket.on('error', (error) =>
        reject(
          new Error(
            `${sample.page}:${sample.line} needs ${name} on 127.0.0.1:${port}; start it with scripts/services.sh`,
            { cause: error },
          ),
        ),
      );
    });
  }
}

/** Runs a TypeScript or JavaScript sample in a fresh working directory, then stops every Stator it made. */
export async function runCodeSample(sample: Sample, config: string | undefined): Promise<void> {
  await requireServices(sample);
  mkdirSync(runDir, { recursive: true });
  const name = `${sample.page.replace(/[^a-z0-9]+/gi, '-')}-${sample.line}-${process.pid}.ts`;
  const file = join(runDir, name);
  writeFileSync(file, sampleModule(sample, file));
  const dir = sampleDirectory(config);
  const cwd = process.cwd();
  const workDir = sample.flags.includes('repo-root') ? root : dir;
  const env = sampleEnv(sample);
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  process.chdir(workDir);
  try {
    await import(pathToFileURL(file).href);
  } finally {
    const started = createdBySample.splice(0);
    for (const stator of started.reverse()) await stator.stop();
    process.chdir(cwd);
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}
