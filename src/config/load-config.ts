import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigInvalidError, type ConfigProblem } from '../errors/config-invalid-error.js';
import { SecretRegistry } from '../logging/redact.js';
import { collectSecrets } from './collect-secrets.js';
import { crossFieldProblems, type ValidSections } from './cross-field.js';
import type { Environment } from './interpolate.js';
import { issueMessage } from './issue-message.js';
import { problemsFromIssues } from './issue-problems.js';
import { readYamlConfig } from './read-yaml.js';
import { configSchema, type StatorConfig, type StatorConfigInput } from './schema.js';
import { readSecretFiles } from './secret-files.js';
import { tlsFileProblems } from './tls-files.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Variables for `${NAME}` interpolation. Default `process.env`. */
  readonly env?: Environment;
  /** Directory that relative paths (the file, `base_path`, `password_file`) start from. Default `process.cwd()`. */
  readonly cwd?: string;
  /**
   * Every secret value of the configuration (passwords, from the file, the environment or a
   * `password_file`) is registered here, so logs, errors and events scrub it. Pass the registry
   * of the runtime context; without it, call {@link collectSecrets} on the result yourself.
   */
  readonly secrets?: SecretRegistry;
}

/**
 * Reads, interpolates and validates Stator's configuration, failing fast before anything
 * connects.
 *
 * - `source` a string: the path of a YAML file. `${NAME}`, `${NAME:-default}` and
 *   `${NAME-default}` are replaced in string values (see `readYamlConfig`), `permissions: 0755`
 *   is octal.
 * - `source` an object: the same configuration in code (no interpolation, no coercion).
 * - `source` undefined: the embedded default: memory cache, SQLite in `base_path`, `./var`.
 *
 * `<secret>_file` keys (`password_file`) are read into their secret key. `database.url` and
 * `cache.url` are taken apart into the section's keys (keys written beside a URL win). The
 * certificate files of `database.ssl` and `cache.tls` are checked (read again at start). `filesystem.base_path`
 * comes back absolute, resolved from `cwd`. Secrets go into `options.secrets` when given.
 *
 * @throws {ConfigInvalidError} listing every problem as `path: message, got <value>`: schema
 * violations, unknown keys (with "did you mean"), missing environment variables, unreadable
 * files, YAML syntax errors with line and column, and rules between keys. Values under secret
 * keys show as `[REDACTED]`, and no secret value appears anywhere in the message.
 * @example
 * ```ts
 * const secrets = new SecretRegistry();
 * const config = loadConfig('stator.yaml', { secrets }); // env: process.env, cwd: process.cwd()
 * config.database.port; // 5432 from `port: ${DB_PORT:-5432}`
 * ```
 */
export function loadConfig(source?: string | StatorConfigInput, options: LoadConfigOptions = {}): StatorConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let origin: string;
  let data: unknown;
  let problems: ConfigProblem[] = [];
  let unresolved: ReadonlySet<string> = new Set();

  if (typeof source === 'string') {
    origin = source;
    const text = readConfigFile(resolve(cwd, source), source);
    const read = readYamlConfig(text, env, configSchema);
    data = read.data ?? {};
    problems = [...read.problems];
    unresolved = read.unresolved;
    if (read.data === undefined && problems.length) throw new ConfigInvalidError(origin, problems);
  } else {
    origin = source === undefined ? 'embedded default' : 'configuration object';
    data = clonePlain(source ?? {});
  }

  // Scrub every secret-looking value from the messages, even those that fail validation.
  const scrubber = collectSecrets(data, new SecretRegistry());
  if (!isPlainObject(data)) {
    throw new ConfigInvalidError(origin, [
      {
        path: '',
        message: `expected a mapping of sections (cache, database, filesystem, ...) at the top, got ${Array.isArray(data) ? 'a list' : typeof data}`,
      },
    ]);
  }
  problems.push(...readSecretFiles(data, cwd));
  collectSecrets(data, scrubber);

  const parsed = configSchema.safeParse(data, { error: issueMessage, reportInput: true });
  if (!parsed.success) problems.push(...problemsFromIssues(parsed.error.issues, data, configSchema, unresolved));
  problems.push(...crossFieldProblems(parsed.success ? parsed.data : validSections(data)));
  if (parsed.success) problems.push(...certificateProblems(parsed.data, cwd));

  if (problems.length > 0 || !parsed.success) {
    throw new ConfigInvalidError(
      origin,
      problems.map((p) => ({ ...p, message: scrubber.scrub(p.message) })),
    );
  }
  const config = parsed.data;
  config.filesystem.base_path = resolve(cwd, config.filesystem.base_path);
  if (options.secrets) {
    // The data as written too: `database.url` is taken apart by the schema, but its password may
    // still show up percent-encoded, as written.
    collectSecrets(data, options.secrets);
    collectSecrets(config, options.secrets);
  }
  return config;
}

function readConfigFile(file: string, given: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `configuration file ${file} not found; check the path, or give no file to run on the embedded default`
        : code === 'EACCES' || code === 'EPERM'
          ? `cannot read configuration file ${file}: permission denied; make it readable by the user running the service`
          : code === 'EISDIR'
            ? `${file} is a directory; give the path of the YAML configuration file`
            : `cannot read configuration file ${file} (${code ?? 'unknown error'})`;
    throw new ConfigInvalidError(given, [{ path: '', message }], { cause: error });
  }
}

/**
 * Certificate files that will be read at start, checked now so that `stator check` reports them.
 * Their paths come back absolute, resolved from `cwd` (the drivers read them later).
 */
function certificateProblems(config: StatorConfig, cwd: string): ConfigProblem[] {
  const { database, cache } = config;
  const problems: ConfigProblem[] = [];
  for (const files of [database.ssl, cache.tls, config.error_handling.redis?.tls]) {
    if (!files) continue;
    for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
      const file = files[key];
      if (file !== undefined) (files as Record<typeof key, string>)[key] = resolve(cwd, file);
    }
  }
  if (database.driver !== 'sqlite' && database.ssl.mode !== 'disable')
    problems.push(...tlsFileProblems(database.ssl, 'database.ssl', cwd).problems);
  if (cache.driver === 'redis' && cache.tls) problems.push(...tlsFileProblems(cache.tls, 'cache.tls', cwd).problems);
  const shared = config.error_handling.redis?.tls;
  if (shared) problems.push(...tlsFileProblems(shared, 'error_handling.redis.tls', cwd).problems);
  return problems;
}

/** Each section parsed alone, so that rules between keys still run when another section is broken. */
function validSections(data: Record<string, unknown>): ValidSections {
  const sections: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(configSchema.shape)) {
    const result = schema.safeParse(data[name]);
    if (result.success) sections[name] = result.data;
  }
  return sections as ValidSections;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A copy of plain configuration data, so that loading never mutates the caller's object. */
function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (isPlainObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clonePlain(v)]));
  }
  return value;
}
